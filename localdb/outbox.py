"""Queueing local changes for the server. Each enqueue happens in the same transaction as the change it carries,
so a change and its outbox row exist together or not at all; `seq` is the till's gap-free `till_seq`."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from localdb.models import OutboxItem


class ItemType(StrEnum):
    ENROL = "enrol"
    POINT_ENTRY = "point_entry"
    PREFERENCE = "preference"
    MEMBER_UPDATE = "member_update"


def enqueue(session: Session, *, item_id: str, item_type: ItemType, body: dict[str, Any], at: datetime) -> OutboxItem:
    item = OutboxItem(item_id=item_id, type=item_type.value, body=body, created_at=at, attempts=0)
    session.add(item)
    session.flush()
    return item
