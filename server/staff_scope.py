"""Which staff a till may know: those of its own store, and managers marked chain-wide (`Staff.store_id` NULL). A
chain-wide cashier or guide is sent to no till and works at none (give them a store); only a chain-wide manager
(an area manager) is everywhere. The config a till fetches (`GET /v1/config`, with the PIN hashes) and the check of
who may have made a pushed entry use this one rule, so a stolen till holds the PIN hashes of its own store's staff
and the chain's managers only.

Pure: a SQL condition and the same test on plain values.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_

from loyalty.roles import Role
from server.models import Staff


def staff_of_store(store_id: int) -> ColumnElement[bool]:
    """The staff rows a till of `store_id` receives and whose entries it may push."""
    return or_(Staff.store_id == store_id, and_(Staff.store_id.is_(None), Staff.role == Role.MANAGER.value))


def works_at(role: str, staff_store_id: int | None, store_id: int) -> bool:
    """`staff_of_store` on one staff member's facts."""
    return staff_store_id == store_id or (staff_store_id is None and role == Role.MANAGER.value)
