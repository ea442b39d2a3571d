"""Queueing local changes for the server. Each enqueue happens in the same transaction as the change it carries,
so a change and its outbox row exist together or not at all; `seq` is the till's gap-free `till_seq`.

The body is one of the wire's typed bodies (`protocol.wire`), so it is checked against the same schema the server
checks it with before it is stored: a body the server would refuse as malformed is never queued. The till's
services import the schemas when they first write, not when the store opens: pydantic and the schemas are a tenth
of a second of every start (docs/performance.md, "Cold start").
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session
from uuid6 import uuid7

from localdb.models import OutboxBody, OutboxItem
from protocol.vocabulary import ItemStatus

if TYPE_CHECKING:
    from protocol.wire import ItemBody

_INSERT = insert(cast(Table, OutboxItem.__table__))
_INSERT_BODY = insert(cast(Table, OutboxBody.__table__))
_EMPTY: dict[str, object] = {"attempts": 0, "status": None, "reason": None, "member": None, "sent_at": None}

#: Items the manager must see: refused, applied but flagged, or answered with a reason.
NEEDS_ATTENTION = OutboxItem.status.in_((ItemStatus.REJECTED.value, ItemStatus.FLAGGED.value)) | (
    OutboxItem.reason.is_not(None)
)


def enqueue(session: Session, body: ItemBody, *, at: datetime) -> str:
    """Queue `body` under the id its item must carry (`protocol.wire.item_key_of`), or a fresh UUIDv7; returns
    that id. Core inserts of the item and its body in the caller's transaction (no ORM object, no flush: the
    ledger's write path)."""
    from protocol.wire import item_key_of, item_type_of

    item_id = item_key_of(body) or str(uuid7())
    session.flush()  # what the caller added through the ORM is written first (a no-op on the ledger's Core path)
    connection = session.connection()
    row = {**_EMPTY, "item_id": item_id, "type": item_type_of(body).value, "created_at": at}
    seq = connection.execute(_INSERT, row).lastrowid
    connection.execute(_INSERT_BODY, {"seq": seq, "body": body.model_dump(mode="json")})
    return item_id
