"""The offline guess rate against one stolen staff PIN hash: what a thief with a copy of a till's database gets.

    .venv/bin/python bench/pin_guess.py [--guesses 30] [--legacy]

Hashes one PIN at the shipped cost (`loyalty.pins.DEFAULT_COST`, whatever MEMBERDESK_PIN_COST says), then times
`--guesses` wrong guesses against it on one core, one after another (an attacker's loop, with the same library the
till uses). Prints the per-check time (min, median), guesses per second per core, and the time to try every one of
the 10,000 4-digit PINs on one core (the expected time to the right one is half that). `--legacy` does the same for
the old scrypt hashes (N=2^14, r=8, p=1) for comparison. Results are recorded in docs/operations.md ("Staff PINs").
"""

from __future__ import annotations

import argparse
import hashlib
import secrets
import statistics
import time

from loyalty import pins


def _legacy_check(pin: str, salt: bytes) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guesses", type=int, default=30)
    parser.add_argument("--legacy", action="store_true", help="time the old scrypt hashes too")
    args = parser.parse_args()

    pins.set_cost(pins.DEFAULT_COST)
    stored = pins.hash_pin("7391")
    cost = pins.DEFAULT_COST
    print(f"argon2id m={cost.memory_kib} KiB t={cost.time_cost} p={cost.parallelism}")
    runs = [("argon2id", lambda guess: pins.pin_matches(guess, stored))]
    if args.legacy:
        salt = secrets.token_bytes(16)
        runs.append(("scrypt N=2^14 r=8 p=1 (legacy)", lambda guess: bool(_legacy_check(guess, salt))))
    for name, check in runs:
        times = []
        for n in range(args.guesses):
            start = time.perf_counter()
            check(f"{n:04d}")
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        print(
            f"{name}: min {min(times) * 1000:.0f} ms, median {median * 1000:.0f} ms a check; "
            f"{1 / median:.2f} guesses/s per core; all 10,000 4-digit PINs in {10_000 * median / 60:.0f} min "
            f"per core"
        )


if __name__ == "__main__":
    main()
