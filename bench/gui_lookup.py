"""Scan to card on screen: how long from a scanner's first keystroke to the member card painted, through the real
ScanDetector, LookupPage and MemberPage, offscreen.

    .venv/bin/python bench/gui_lookup.py --members 1000000 [--db PATH] [--samples 500] [--seed 11]

The till store of N synthetic members is the one `bench/lookup.py` builds and caches (bench/data/lookup-N.sqlite3,
with its member-code signing key next to it). The counter is built as the main window builds it: the app's
stylesheet and font (`ui.app.application`), the context (`ui.app.build_context`) with a cashier logged in, the
lookup and member pages in a page stack in a 1280×800 window, and the ScanDetector installed on the application
and feeding `hub.scanned`. For K random members, with the focus on the member page of the previous customer, the
member code (138 characters) is typed into the focused widget as a keyboard-wedge scanner types it (a key press and
release per character, then Enter, through QApplication::notify like real key events) and the event loop is run
until the member card has been painted showing that member. Timed per sample with `time.perf_counter_ns`:

- keys: from the first key press to the Enter delivered (the ScanDetector's work on 139 keys);
- total: from the first key press to the end of the event-loop pass that painted the card (the detector's queued
  signal, the code's signature check and the lookup, the member page's reads, layout and paint).

The same is then timed for phones scanned as 11 digits, and both again with the cursor in the lookup box ("box":
every key is also typed there, so search as you type runs on each). A scanner itself takes 2–5 ms per key (0.3–0.7 s
for a member code); that time is the scanner's, not ours, so the keys are sent back to back.

The last line is `median_ms: X`, the median total for member codes. Results are recorded in docs/performance.md.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QStackedWidget, QVBoxLayout, QWidget

from bench.lookup import Sample, open_store, pick_samples
from localdb.staff import StaffSession
from localdb.till import Till
from loyalty.member_code import sign_member_code
from loyalty.roles import Role
from ui.app import application, build_context
from ui.context import AppContext
from ui.lookup_page import LookupPage
from ui.member_page import MemberPage
from widgets.member_card import MemberCard
from widgets.scan_detector import ScanDetector

REPO = Path(__file__).resolve().parents[1]
WARMUP = 30
TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class Timings:
    name: str
    keys_ns: list[int]
    total_ns: list[int]
    wrong: int


class PaintWatch(QObject):
    """Notes when the card paints while showing the member we wait for."""

    def __init__(self, card: MemberCard) -> None:
        super().__init__()
        self.card = card
        self.expected: str | None = None
        self.painted = False
        card.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint and self.expected is not None and self.card.member_id == self.expected:
            self.painted = True
        return False


class Counter(QWidget):
    """The lookup and member pages in a stack, wired as ui.main_window wires them."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.lookup = LookupPage(ctx)
        self.member = MemberPage(ctx)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.lookup)
        self.pages.addWidget(self.member)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)
        self.lookup.member_chosen.connect(self.show_member)
        self.lookup.attention_needed.connect(lambda: self.pages.setCurrentWidget(self.lookup))

    def show_member(self, member_id: str) -> None:
        self.member.show_member(member_id)
        self.pages.setCurrentWidget(self.member)
        self.member.setFocus()


def _scan(
    app: QApplication, counter: Counter, watch: PaintWatch, text: str, member_id: str, *, in_lookup: bool = False
) -> tuple[int, int, bool]:
    """One scan: (ns to deliver the keys, ns to the card painted, whether the right member was painted). With
    `in_lookup` the cursor is in the lookup box, so every key is also typed there (search as you type runs)."""
    if in_lookup:
        counter.pages.setCurrentWidget(counter.lookup)
        counter.lookup.input.setFocus()
        app.processEvents()
    watch.expected, watch.painted = member_id, False
    target = app.focusWidget() or counter
    clock = time.perf_counter_ns
    t0 = clock()
    QTest.keyClicks(target, text)
    QTest.keyClick(target, Qt.Key.Key_Return)
    t1 = clock()
    deadline = time.perf_counter() + TIMEOUT_S
    while not watch.painted and time.perf_counter() < deadline:
        app.processEvents()
    t2 = clock()
    return t1 - t0, t2 - t0, watch.painted and counter.member.card.member_id == member_id


def run(
    app: QApplication, till: Till, key: Ed25519PrivateKey, samples: list[Sample], warmup: list[Sample]
) -> list[Timings]:
    ctx = build_context(till)
    ctx.log_in(StaffSession("BENCH", "bench cashier", Role.CASHIER))
    counter = Counter(ctx)
    counter.resize(1280, 800)
    counter.show()
    counter.activateWindow()
    detector = ScanDetector(parent=counter)
    detector.scanned.connect(ctx.hub.scanned)
    app.installEventFilter(detector)
    watch = PaintWatch(counter.member.card)
    for _ in range(20):
        app.processEvents()

    def codes(chosen: list[Sample]) -> list[tuple[str, str]]:
        # Signed beforehand: signing is the server's work, not part of a scan.
        return [(sign_member_code(key, uuid.UUID(s.member_id), s.serial), s.member_id) for s in chosen]

    phones_warm = [(s.national, s.member_id) for s in warmup]
    phones = [(s.national, s.member_id) for s in samples]
    plans = [
        ("member code", codes(warmup), codes(samples), False),
        ("phone", phones_warm, phones, False),
        # The cursor in the lookup box: each key is typed there too, and search as you type runs on it.
        ("code, box", codes(warmup), codes(samples), True),
        ("phone, box", phones_warm, phones, True),
    ]
    results: list[Timings] = []
    try:
        for name, warm, timed, in_lookup in plans:
            for text, member_id in warm:
                _scan(app, counter, watch, text, member_id, in_lookup=in_lookup)
            keys_ns: list[int] = []
            total_ns: list[int] = []
            wrong = 0
            for text, member_id in timed:
                keys, total, right = _scan(app, counter, watch, text, member_id, in_lookup=in_lookup)
                keys_ns.append(keys)
                total_ns.append(total)
                wrong += not right
            results.append(Timings(name, keys_ns, total_ns, wrong))
    finally:
        app.removeEventFilter(detector)
        counter.close()
        ctx.sync.shutdown()
        ctx.ops.shutdown()
    return results


def _p99(values: list[int]) -> float:
    ordered = sorted(values)
    return float(ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)])


def _ms(ns: float) -> str:
    return f"{ns / 1e6:.2f}"


def report(results: list[Timings], n: int, k: int) -> None:
    print()
    print(f"{n:,} members, {k:,} scans of each kind; keys sent back to back, focus on the previous member's page")
    print()
    header = f"{'scan':<12} {'keys med ms':>12} {'p99 ms':>8} {'total med ms':>13} {'p99 ms':>8} {'wrong':>6}"
    print(header)
    print("-" * len(header))
    for t in results:
        print(
            f"{t.name:<12} {_ms(statistics.median(t.keys_ns)):>12} {_ms(_p99(t.keys_ns)):>8} "
            f"{_ms(statistics.median(t.total_ns)):>13} {_ms(_p99(t.total_ns)):>8} {t.wrong:>6}"
        )
    code = results[0]
    print()
    print(f"p99_ms: {_ms(_p99(code.total_ns))}")
    print(f"median_ms: {_ms(statistics.median(code.total_ns))}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--members", type=int, required=True, help="how many synthetic members the store holds")
    parser.add_argument(
        "--db", type=Path, help="store file (default bench/data/lookup-N.sqlite3, shared with lookup.py)"
    )
    parser.add_argument("--samples", type=int, default=500, help="scans of each kind to time (default 500)")
    parser.add_argument("--seed", type=int, default=11, help="seed for picking the scanned members (default 11)")
    args = parser.parse_args(argv)
    n: int = args.members
    k: int = args.samples
    if n < 1 or k < 1:
        parser.error("--members and --samples must be positive")
    db: Path = args.db or REPO / "bench" / "data" / f"lookup-{n}.sqlite3"
    db.parent.mkdir(parents=True, exist_ok=True)

    app = application()
    till, key = open_store(db, n)
    try:
        chosen = pick_samples(db, n, min(n, k + WARMUP), random.Random(args.seed))
        warmup, samples = chosen[:WARMUP], chosen[WARMUP:] or chosen[:k]
        results = run(app, till, key, samples, warmup)
    finally:
        till.close()
    report(results, n, len(samples))
    return 0 if all(t.wrong == 0 for t in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
