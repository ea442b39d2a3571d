"""Staff roles and what each may do. The services enforce these; the UI only hides what a role cannot use."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CASHIER = "cashier"
    GUIDE = "guide"
    MANAGER = "manager"


class Permission(StrEnum):
    LOOKUP = "lookup"
    ENROL = "enrol"
    AWARD = "award"
    REDEEM = "redeem"
    REVERSE = "reverse"
    VIEW_PREFERENCES = "view_preferences"
    EDIT_PREFERENCES = "edit_preferences"
    APPROVE = "approve"
    SYNC = "sync"
    REVEAL_PHONE = "reveal_phone"
    MANAGE_STAFF = "manage_staff"
    EDIT_MEMBER = "edit_member"  # correct a member's name, birthday or phone (managers only)


_CASHIER = frozenset(
    {Permission.LOOKUP, Permission.ENROL, Permission.AWARD, Permission.REDEEM, Permission.REVERSE,
     Permission.VIEW_PREFERENCES}
)  # fmt: skip
_GUIDE = frozenset({Permission.LOOKUP, Permission.ENROL, Permission.VIEW_PREFERENCES, Permission.EDIT_PREFERENCES})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CASHIER: _CASHIER,
    Role.GUIDE: _GUIDE,
    Role.MANAGER: frozenset(Permission),
}


def can(role: Role, permission: Permission) -> bool:
    """Whether staff of this role may do this."""
    return permission in ROLE_PERMISSIONS[role]


#: What staff must be allowed to make a ledger entry of each kind (keyed by the kind's value: the shared vocabulary,
#: `protocol.vocabulary.EntryKind`, sits beside this package, not in it). The till's services require it before they
#: write; the server checks the staff code an entry names against it.
ENTRY_PERMISSIONS: dict[str, Permission] = {
    "earn": Permission.AWARD,
    "redeem": Permission.REDEEM,
    "reverse": Permission.REVERSE,
    "adjust": Permission.AWARD,  # entered by whoever serves; its kind needs a manager's approval besides
    "refund": Permission.REVERSE,  # a return at the counter: whoever may undo an entry may give part of it back
    "gift": Permission.REDEEM,  # points for an item of the gift catalogue, as a redemption
}
