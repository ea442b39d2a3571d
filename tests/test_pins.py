"""Staff PIN hashes (loyalty/pins.py): argon2id at a cost that makes a stolen till's hashes slow to brute-force,
legacy scrypt hashes from tills in the field still accepted, and which stored hashes are due for replacement."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator

import pytest

from localdb.till import Till
from loyalty import pins
from loyalty.roles import Role


def _legacy_scrypt_hash(pin: str) -> str:
    """A hash as tills before argon2id stored it (scrypt N=2^14, r=8, p=1)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt${2**14}$8$1${salt.hex()}${digest.hex()}"


@pytest.fixture
def shipped_cost() -> Iterator[None]:
    """Hash at the shipped default for one test (the suite runs on a cheap cost), then back."""
    before = pins.current_cost()
    pins.set_cost(pins.DEFAULT_COST)
    yield
    pins.set_cost(before)


def test_the_shipped_cost_is_the_measured_250_ms_setting() -> None:
    """64 MiB and 6 passes on one lane measured 0.32-0.34 s a check here (docs/operations.md "Staff PINs"): the
    default must not drop below it."""
    cost = pins.DEFAULT_COST
    assert cost.memory_kib >= 64 * 1024
    assert cost.time_cost >= 6
    assert cost.parallelism == 1
    assert pins.MIN_COST == pins.DEFAULT_COST


def test_a_new_hash_carries_the_shipped_parameters(shipped_cost: None) -> None:
    stored = pins.hash_pin("2468")
    assert stored.startswith("$argon2id$v=19$m=65536,t=6,p=1$")
    assert pins.is_pin_hash(stored) and not pins.needs_rehash(stored)
    assert pins.pin_matches("2468", stored) and not pins.pin_matches("2469", stored)


def test_legacy_scrypt_hashes_still_verify_and_are_due_for_replacement() -> None:
    legacy = _legacy_scrypt_hash("1357")
    assert pins.is_pin_hash(legacy) and pins.is_legacy_hash(legacy)
    assert pins.pin_matches("1357", legacy) and not pins.pin_matches("1358", legacy)
    assert pins.needs_rehash(legacy)


def test_a_cheaper_argon2_hash_is_due_for_replacement() -> None:
    cheap = pins.hash_pin("2468")  # the suite's test cost
    assert pins.pin_matches("2468", cheap)
    assert pins.needs_rehash(cheap)


@pytest.mark.parametrize(
    "stored",
    ["", "2468", "$argon2id$", "$argon2id$v=19$m=65536,t=6,p=1$$", "scrypt$1$2$3", "$argon2i$v=19$m=8,t=1,p=1$YQ$YQ"],
)
def test_unreadable_hashes_match_nothing(stored: str) -> None:
    assert not pins.is_pin_hash(stored)
    assert not pins.pin_matches("2468", stored)


def test_a_till_holding_a_legacy_hash_still_logs_the_staff_in(till: Till) -> None:
    till.staff.upsert("C001", "李收银", Role.CASHIER, _legacy_scrypt_hash("1357"))
    assert till.staff.login("C001", "1357").role is Role.CASHIER


def test_without_the_test_setting_new_hashes_get_the_shipped_cost() -> None:
    """The suite's cheap cost comes only from MEMBERDESK_PIN_COST; a till or server started without it (as they
    ship) hashes at the default, and an unreadable setting does not weaken it."""
    import os
    import subprocess
    import sys

    probe = "from loyalty import pins; c = pins.current_cost(); print(c.time_cost, c.memory_kib, c.parallelism)"
    for setting in (None, "weak"):
        env = {k: v for k, v in os.environ.items() if k != "MEMBERDESK_PIN_COST"}
        if setting is not None:
            env["MEMBERDESK_PIN_COST"] = setting
        out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
        assert out.stdout.split() == ["6", "65536", "1"]


def test_a_login_does_not_hold_the_write_lock_while_the_pin_is_checked(till: Till, shipped_cost: None) -> None:
    """A shipped-cost check takes about a third of a second: a sync writing pulled members meanwhile must not wait
    for it (the check runs between a read and the write that records the outcome)."""
    import threading
    import time

    till.staff.upsert("M001", "王店长", Role.MANAGER, pins.hash_pin("2468"))
    finished: dict[str, float] = {}

    def log_in() -> None:
        till.staff.login("M001", "2468")
        finished["login"] = time.perf_counter()

    worker = threading.Thread(target=log_in)
    worker.start()
    time.sleep(0.05)  # the login is hashing now (it takes ~0.3 s)
    till.staff.upsert("C001", "李收银", Role.CASHIER, _legacy_scrypt_hash("1357"))  # a write, like a pulled page
    finished["write"] = time.perf_counter()
    worker.join()
    assert finished["write"] < finished["login"]
