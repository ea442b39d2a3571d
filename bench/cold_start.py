"""Cold start: from a new process to the counter's lookup screen painted, on a till store of N members, against a
bare PySide6 window started the same way.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/cold_start.py --members 1000000 [--runs 5] [--importtime]

The store is the one `bench/lookup.py` builds and caches (bench/data/lookup-N.sqlite3), copied once to
bench/data/cold-start-N.sqlite3 and there made a registered till with a cashier (`B001`, PIN 1357), so the shared
store stays as the other benchmarks expect it. The registration points at a closed port on 127.0.0.1: the window's
background health check finds the server offline at once, as a till does whose server is down.

Each run starts a new process of this file with `--probe` and reads `time.monotonic_ns()` (one clock for every
process on the machine) just before starting it. The probe does what `main.py gui` does, with the cashier logged
in the way the demo logs in its cashier (a real PIN check, then main's window path with the staff given, instead of
a person typing into the login dialog): `import main`, `Till.open`, the PIN check, then `main._gui` — the Qt
application, stylesheet and translations, the context, the main window with all its pages. It notes the time at
each of these steps and when the event-loop pass that first painted the lookup page is over, prints them, and quits.

The baseline is this file with `--probe bare`: a process that imports PySide6.QtWidgets, makes a QApplication and
shows one empty 1280×800 QWidget, timed to the end of the pass that painted it. Runs alternate baseline and full,
so both meet the same load. The store file stays in the operating system's page cache between runs (the process is
cold, the disk is not). Probes run with Python's bytecode caches, as a till's Python writes them on its first start:
`PYTHONDONTWRITEBYTECODE` is taken out of their environment, and a first start of each kind, not timed, writes them.

`--importtime` runs one more probe under `python -X importtime` and prints where import time goes, summed by
top-level package (an overestimate: the option slows imports).

The last line is `median_s: X`, the median start-to-lookup time. Results are recorded in docs/performance.md.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROBE_STAFF = ("B001", "bench cashier", "1357")
OFFLINE_SERVER = "http://127.0.0.1:9"  # the discard port: nothing listens, a connection is refused at once
TIMEOUT_S = 60.0

# -- the probe (child process): stdlib only at module level, so the probe imports what the app imports ---------------


def _mark(step: str) -> None:
    # One write of the whole line: under -X importtime another thread's import lines share the pipe.
    sys.stdout.write(f"mark {step} {time.monotonic_ns()}\n")
    sys.stdout.flush()


def _quit_after_first_paint(widget_class: type) -> None:
    """Note the end of the event-loop pass in which `widget_class` first painted, then quit the application."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    inherited = widget_class.paintEvent  # type: ignore[attr-defined]
    done = False

    def shown() -> None:
        _mark("shown")
        QApplication.quit()

    def paint_event(self: object, event: object) -> None:
        nonlocal done
        inherited(self, event)
        if not done:
            done = True
            _mark("painted")
            QTimer.singleShot(0, shown)

    widget_class.paintEvent = paint_event  # type: ignore[attr-defined]


def _probe_bare() -> int:
    from PySide6.QtWidgets import QApplication, QWidget

    _mark("imported")
    app = QApplication([sys.argv[0]])
    window = QWidget()
    window.resize(1280, 800)
    _quit_after_first_paint(QWidget)
    window.show()
    return app.exec()


def _probe_full(db: Path) -> int:
    import main
    from localdb.till import Till  # imported by main already

    _mark("imported")
    till = Till.open(db, check_in_background=True)  # as `main.py gui` opens it
    _mark("opened")
    try:
        staff = till.staff.login(PROBE_STAFF[0], PROBE_STAFF[2])
        _mark("logged_in")
        from ui.lookup_page import LookupPage  # main._gui imports it with the window; patched before it is built

        _quit_after_first_paint(LookupPage)
        return main._gui(till, None, staff=staff)
    finally:
        till.close()


# -- the benchmark (parent process) ---------------------------------------------------------------------------------

STEPS = ("imported", "opened", "logged_in", "painted", "shown")


def _prepare_store(n: int) -> Path:
    """bench/data/cold-start-N.sqlite3: a copy of lookup.py's N-member store, registered, with the probe's cashier."""
    import shutil

    from bench.lookup import open_store
    from localdb.database import connect_raw
    from localdb.keystore import key_file_for
    from localdb.staff import hash_pin
    from localdb.till import Till
    from loyalty.roles import Role

    db = REPO / "bench" / "data" / f"cold-start-{n}.sqlite3"
    if db.exists():
        with connect_raw(db) as conn:
            members = conn.execute("SELECT count(*) FROM member").fetchone()[0]
            staff = conn.execute("SELECT count(*) FROM staff WHERE code = ?", (PROBE_STAFF[0],)).fetchone()[0]
            registered = conn.execute("SELECT count(*) FROM sync_state WHERE device_token IS NOT NULL").fetchone()[0]
        conn.close()
        if members == n and staff == 1 and registered == 1:
            print(f"reusing {db} ({n:,} members, registered, cashier {PROBE_STAFF[0]})")
            return db
        for suffix in ("", "-wal", "-shm", ".key"):
            db.with_name(db.name + suffix).unlink(missing_ok=True)
    source_path = REPO / "bench" / "data" / f"lookup-{n}.sqlite3"
    source_path.parent.mkdir(parents=True, exist_ok=True)
    source, _key = open_store(source_path, n)
    source.close()
    print(f"copying it to {db}")
    shutil.copy(source_path, db)  # closed, so checkpointed: the file is the whole store (encrypted, with its key)
    shutil.copy(key_file_for(source_path), key_file_for(db))
    db.chmod(0o600)
    till = Till.open(db)
    try:
        till.sync.register(server_url=OFFLINE_SERVER, device_id=till.settings.current().device_id, token="bench",
                           store_code="S001", store_name="bench store", timezone="Asia/Shanghai")  # fmt: skip
        till.staff.upsert(PROBE_STAFF[0], PROBE_STAFF[1], Role.CASHIER, hash_pin(PROBE_STAFF[2]))
    finally:
        till.close()
    return db


def _spawn(
    args: list[str], *, python_options: tuple[str, ...] = (), merge_output: bool = False
) -> tuple[dict[str, float], str]:
    """Start a probe; the seconds from just before its start to each step it marked (and `cpu`: the CPU seconds the
    process used in all, user and system, to its exit), and its output (standard error; with `merge_output`, both
    streams as the process wrote them, in order)."""
    import resource
    import subprocess

    command = [sys.executable, *python_options, str(Path(__file__).resolve()), "--probe", *args]
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic_ns()
    done = subprocess.run(
        command,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge_output else subprocess.PIPE,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"the probe {args} failed ({done.returncode}):\n{done.stderr}")
    steps = {"cpu": after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime}
    for line in done.stdout.splitlines():
        if line.startswith("mark "):
            _, step, ns = line.split()[:3]
            steps[step] = (int(ns) - started) / 1e9
    if "shown" not in steps:
        raise RuntimeError(f"the probe {args} never showed its window:\n{done.stdout}\n{done.stderr}")
    return steps, done.stdout if merge_output else done.stderr


def _importtime(db: Path) -> None:
    """One probe under -X importtime: self time summed by top-level package, the largest first, for the imports
    before the lookup page was shown; then what was imported after it (the first health check's worker thread)."""
    _steps, output = _spawn(["full", str(db)], python_options=("-X", "importtime"), merge_output=True)
    before: dict[str, int] = {}
    after: dict[str, int] = {}
    by_package = before
    for line in output.splitlines():
        if line.startswith("mark shown "):
            by_package = after
        if not line.startswith("import time:") or "|" not in line:
            continue
        fields = line.removeprefix("import time:").split("|")
        if not fields[0].strip().isdigit():
            continue  # the header
        package = fields[2].strip().split(".")[0]
        by_package[package] = by_package.get(package, 0) + int(fields[0])
    print()
    print(f"import time by top-level package before the lookup page was shown (python -X importtime, one probe; "
          f"it slows imports): {sum(before.values()) / 1e6:.3f} s in all")  # fmt: skip
    for package, us in sorted(before.items(), key=lambda item: -item[1])[:20]:
        print(f"  {package:<24} {us / 1e3:8.1f} ms")
    shown_after = ", ".join(package for package, _us in sorted(after.items(), key=lambda item: -item[1])[:8])
    print(f"imported after it: {sum(after.values()) / 1e6:.3f} s ({shown_after or 'nothing'})")


def main(argv: list[str] | None = None) -> int:
    import argparse
    import statistics

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--members", type=int, default=1_000_000, help="members in the store (default 1,000,000)")
    parser.add_argument("--runs", type=int, default=5, help="starts of each kind (default 5)")
    parser.add_argument("--importtime", action="store_true", help="also print one probe's import time by package")
    args = parser.parse_args(argv)
    if args.members < 1 or args.runs < 1:
        parser.error("--members and --runs must be positive")
    db = _prepare_store(args.members)
    platform = os.environ.get("QT_QPA_PLATFORM") or "(default)"
    print(f"{args.members:,} members, {args.runs} starts of each kind, QT_QPA_PLATFORM={platform}")
    _spawn(["bare"])  # a first start of each kind, not timed: the OS cache holds the libraries, and Python's
    _spawn(["full", str(db)])  # bytecode caches are written
    bare: list[float] = []
    full: list[float] = []
    cpu: list[float] = []
    print()
    print(f"{'run':>3} {'bare s':>7}   {'full s':>7}  " + "  ".join(f"{step:>9}" for step in STEPS) + "  full cpu s")
    for run in range(1, args.runs + 1):
        bare_steps, _ = _spawn(["bare"])
        full_steps, _ = _spawn(["full", str(db)])
        bare.append(bare_steps["shown"])
        full.append(full_steps["shown"])
        cpu.append(full_steps["cpu"])
        cells = "  ".join(f"{full_steps.get(step, float('nan')):9.3f}" for step in STEPS)
        print(f"{run:>3} {bare[-1]:7.3f}   {full[-1]:7.3f}  {cells}  {cpu[-1]:10.3f}", flush=True)
    bare_median, full_median = statistics.median(bare), statistics.median(full)
    print()
    print("full: seconds from just before the process started to each step (cumulative); shown = lookup painted;")
    print("full cpu s: the CPU time (user + system) the process used to its exit, less moved by other load")
    print(f"full cpu median:            {statistics.median(cpu):.3f} s")
    print(f"bare PySide6 window median: {bare_median:.3f} s")
    print(f"start to lookup median:     {full_median:.3f} s")
    print(f"ratio: {full_median / bare_median:.2f}")
    if args.importtime:
        _importtime(db)
    print(f"median_s: {full_median:.3f}")
    return 0


def _probe(argv: list[str]) -> int:
    if argv[0] == "bare":
        return _probe_bare()
    sys.path.insert(0, str(REPO))
    return _probe_full(Path(argv[1]))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--probe"]:
        raise SystemExit(_probe(sys.argv[2:]))
    sys.path.insert(0, str(REPO))
    raise SystemExit(main())
