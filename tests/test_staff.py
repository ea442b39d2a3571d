"""Staff login at the till: PIN hashing, lockout, and role permissions enforced by the services."""

from __future__ import annotations

import pytest

from localdb.errors import Problem, StoreError
from localdb.staff import MAX_FAILED_LOGINS, hash_pin
from localdb.till import Till
from loyalty.pins import pin_matches
from loyalty.roles import Permission, Role, can
from tests.conftest import PINS, FakeClock, Staffing


def test_pin_is_stored_as_a_salted_argon2id_hash() -> None:
    first, second = hash_pin("2468"), hash_pin("2468")
    assert first.startswith("$argon2id$") and "2468" not in first
    assert first != second  # salted
    assert pin_matches("2468", first) and not pin_matches("2469", first)


def test_full_width_digits_are_the_same_pin() -> None:
    assert pin_matches("２４６８", hash_pin("2468")) and pin_matches("2468", hash_pin("２４６８"))


@pytest.mark.parametrize("pin", ["", "123", "123456789", "12a4", "١٢٣٤"])
def test_weak_or_malformed_pins_are_refused(pin: str) -> None:
    with pytest.raises(StoreError) as refused:
        hash_pin(pin)
    assert refused.value.problem is Problem.INVALID_PIN


def test_login_gives_the_role(till: Till, staff: Staffing) -> None:
    session = till.staff.login("G001", PINS["G001"])
    assert session.role is Role.GUIDE and session.name == "赵导购"


def test_unknown_code_and_wrong_pin_look_the_same(till: Till, staff: Staffing) -> None:
    with pytest.raises(StoreError) as unknown:
        till.staff.login("NOBODY", "1234")
    with pytest.raises(StoreError) as wrong:
        till.staff.login("C001", "0000")
    assert unknown.value.problem is wrong.value.problem is Problem.BAD_CREDENTIALS
    assert wrong.value.remaining_attempts == MAX_FAILED_LOGINS - 1


def test_five_wrong_pins_lock_the_code_for_fifteen_minutes(till: Till, staff: Staffing, clock: FakeClock) -> None:
    for _ in range(MAX_FAILED_LOGINS - 1):
        with pytest.raises(StoreError) as refused:
            till.staff.login("C001", "0000")
        assert refused.value.problem is Problem.BAD_CREDENTIALS
    with pytest.raises(StoreError) as locked:
        till.staff.login("C001", "0000")
    assert locked.value.problem is Problem.LOCKED_OUT
    assert locked.value.until is not None and (locked.value.until - clock.now).total_seconds() == 15 * 60

    with pytest.raises(StoreError) as still_locked:  # even the right PIN is refused while locked
        till.staff.login("C001", PINS["C001"])
    assert still_locked.value.problem is Problem.LOCKED_OUT

    clock.advance(minutes=15, seconds=1)
    assert till.staff.login("C001", PINS["C001"]).code == "C001"


def test_success_resets_the_failure_count(till: Till, staff: Staffing) -> None:
    for _ in range(MAX_FAILED_LOGINS - 1):
        with pytest.raises(StoreError):
            till.staff.login("C001", "0000")
    till.staff.login("C001", PINS["C001"])
    with pytest.raises(StoreError) as refused:
        till.staff.login("C001", "0000")
    assert refused.value.problem is Problem.BAD_CREDENTIALS  # counting starts again, no lockout


def test_manager_unlocks_a_locked_code(till: Till, staff: Staffing) -> None:
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(StoreError):
            till.staff.login("C001", "0000")
    with pytest.raises(StoreError) as not_allowed:
        till.staff.unlock(staff.cashier, "C001")
    assert not_allowed.value.problem is Problem.PERMISSION_DENIED
    till.staff.unlock(staff.manager, "C001")
    assert till.staff.login("C001", PINS["C001"]).role is Role.CASHIER


def test_only_managers_add_staff(till: Till, staff: Staffing) -> None:
    with pytest.raises(StoreError) as refused:
        till.staff.add(staff.cashier, "C002", "新收银", Role.CASHIER, "1111")
    assert refused.value.problem is Problem.PERMISSION_DENIED
    till.staff.add(staff.manager, "C002", "新收银", Role.CASHIER, "1111")
    assert till.staff.login("C002", "1111").role is Role.CASHIER


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.CASHIER, {Permission.AWARD, Permission.REDEEM, Permission.REVERSE, Permission.ENROL}),
        (Role.GUIDE, {Permission.EDIT_PREFERENCES, Permission.VIEW_PREFERENCES, Permission.ENROL}),
        (Role.MANAGER, set(Permission)),
    ],
)
def test_role_permissions(role: Role, allowed: set[Permission]) -> None:
    assert {p for p in allowed if can(role, p)} == allowed
    assert can(role, Permission.LOOKUP)
    if role is not Role.MANAGER:
        assert not can(role, Permission.APPROVE) and not can(role, Permission.SYNC)
    if role is Role.GUIDE:
        assert not can(role, Permission.AWARD) and not can(role, Permission.REDEEM)
    if role is Role.CASHIER:
        assert not can(role, Permission.EDIT_PREFERENCES)
