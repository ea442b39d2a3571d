"""The POS interface's answered requests (`pos_request`): a sale or refund is keyed by the POS's receipt or refund
number; the ledger writes the request's row in the same transaction as the entries it made (`LedgerService.sale`,
`LedgerService.refund`), so a retry after a timeout, or the same request twice at once, finds the first answer and
applies nothing again. The answer is kept as the exact JSON text given, so a replay is the same byte for byte."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from localdb.database import Database
from localdb.models import PosRequest

T = TypeVar("T")


class Replayed(Exception):
    """The request was answered before with the same body: `answer` is that answer's JSON text."""

    def __init__(self, answer: str) -> None:
        super().__init__("answered before")
        self.answer = answer


class RequestConflict(Exception):
    """The key was used before for a different request: nothing was written."""


@dataclass(frozen=True, slots=True)
class RequestKey(Generic[T]):
    """One POS request as the ledger records it: `answer` turns what the transaction wrote into the JSON text
    kept (and given to the POS)."""

    op: str
    key: str
    body_hash: str
    answer: Callable[[T], str]


def _check(found: tuple[str, str] | None, body_hash: str) -> None:
    if found is None:
        return
    if found[0] != body_hash:
        raise RequestConflict
    raise Replayed(found[1])


def check_answered(db: Database, op: str, key: str, body_hash: str) -> None:
    """Before any work (a read, no lock): raises `Replayed` or `RequestConflict` when the key was answered."""
    with db.read() as session:
        _check(_find(session, op, key), body_hash)


def _find(session: Session, op: str, key: str) -> tuple[str, str] | None:
    row = session.execute(
        select(PosRequest.body_hash, PosRequest.answer).where(PosRequest.op == op, PosRequest.key == key)
    ).first()
    return None if row is None else (row[0], row[1])


def claim(session: Session, request: RequestKey[T]) -> None:
    """Inside the write transaction, before anything is written: raises `Replayed` / `RequestConflict` when
    another transaction answered the key first (the write lock orders them)."""
    _check(_find(session, request.op, request.key), request.body_hash)


def record(session: Session, request: RequestKey[T], outcome: T, at: datetime) -> str:
    """Inside the same write transaction, after the ledger rows: keep the answer for `outcome`; returns it."""
    answer = request.answer(outcome)
    session.execute(
        insert(PosRequest).values(
            op=request.op, key=request.key, body_hash=request.body_hash, answer=answer, created_at=at
        )
    )
    return answer
