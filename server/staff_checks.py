"""Who may have made a pushed item: the staff code it names checked against the server's staff list, for the
device that pushed it. Shared by the re-check of ledger entries (`server.entry_checks`) and of enrolments,
preferences and consent changes (`server.item_checks`), so every item is held to the same rule:

- the code is an active member of staff of the device's store, or a manager of every store (`server.staff_scope`:
  the same rule that decides whose PIN hashes a till receives);
- their role may do what the item does (`loyalty.roles`, the same table the till's services enforce).

Thread: the API's worker threads, inside one push; nothing here touches the database.
"""

from __future__ import annotations

from loyalty.roles import Permission, Role, can
from protocol.vocabulary import FINDING_ORDER, ErrorCode
from server.push_state import Batch, StaffFacts
from server.staff_scope import works_at


def works_here(batch: Batch, facts: StaffFacts | None) -> bool:
    """Whether a staff member is active at the pushing device's store (or chain-wide)."""
    return facts is not None and facts.active and works_at(facts.role, facts.store_id, batch.device.store_id)


def staff_finding(batch: Batch, staff_code: str, permission: Permission) -> ErrorCode | None:
    """What is wrong with `staff_code` doing `permission` at this device's store, or None."""
    facts = batch.staff.get(staff_code)
    if facts is None or not works_here(batch, facts):
        return ErrorCode.UNKNOWN_STAFF
    if not can(Role(facts.role), permission):
        return ErrorCode.STAFF_NOT_ALLOWED
    return None


def is_manager_here(batch: Batch, staff_code: str | None) -> bool:
    """Whether `staff_code` may approve at this device's store."""
    return staff_code is not None and staff_finding(batch, staff_code, Permission.APPROVE) is None


def first_finding(findings: list[ErrorCode]) -> ErrorCode | None:
    """The one finding an answer names (`protocol.vocabulary.FINDING_ORDER`), or None."""
    for code in FINDING_ORDER:
        if code in findings:
            return code
    return None
