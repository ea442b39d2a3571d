"""requirements.lock, the set scripts/bootstrap.sh installs, agrees with pyproject.toml: every runtime and dev
requirement pinned (==) at a version its range allows, every pin with hashes, made by the command scripts/lock.sh
runs; and the environment running these tests is that set. When one fails after an edit of pyproject.toml, run
scripts/lock.sh (it keeps the other pins) and commit the lock with the edit."""

from __future__ import annotations

import importlib.metadata
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
LOCK_SCRIPT = ROOT / "scripts" / "lock.sh"
PROJECT = "memberdesk (pyproject.toml)"  # how uv names pyproject.toml in a pin's "# via" annotation
HASH = re.compile(r"^sha256:[0-9a-f]{64}$")
REFRESH = "pyproject.toml and requirements.lock disagree: run scripts/lock.sh and commit the lock"


@dataclass
class Pin:
    requirement: Requirement
    hashes: list[str]
    via: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return canonicalize_name(self.requirement.name)

    @property
    def version(self) -> Version:
        (spec,) = self.requirement.specifier
        return Version(spec.version)


def _read_lock() -> tuple[list[str], list[Pin]]:
    """The header's comment lines, and the pins with their hashes and what needs them."""
    header: list[str] = []
    pins: list[Pin] = []
    logical = ""
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if logical or (stripped and not stripped.startswith("#")):
            logical += stripped.removesuffix("\\")
            if not stripped.endswith("\\"):
                requirement, *hashes = re.split(r"\s+--hash=", logical)
                pins.append(Pin(Requirement(requirement), hashes))
                logical = ""
        elif stripped.startswith("#") and not pins:
            header.append(stripped.removeprefix("#").strip())
        elif stripped.startswith("#") and pins:  # "# via NAME", or "# via" and then "#   NAME" a line
            via = stripped.removeprefix("#").strip()
            via = via.removeprefix("via ").strip() if via.startswith("via ") else via
            if via and via != "via":
                pins[-1].via.append(via)
    assert logical == "", "the lock ends in a continued line"
    return header, pins


def _project_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(text) for text in [*project["dependencies"], *project["optional-dependencies"]["dev"]]]


HEADER, PINS = _read_lock()
BY_NAME: dict[str, list[Pin]] = {}
for _pin in PINS:
    BY_NAME.setdefault(_pin.name, []).append(_pin)


def test_every_pin_is_exact_and_hashed() -> None:
    assert len(PINS) > 20
    for pin in PINS:
        specs = list(pin.requirement.specifier)
        assert pin.requirement.url is None, pin.requirement
        assert len(specs) == 1 and specs[0].operator == "==" and "*" not in specs[0].version, pin.requirement
        assert pin.hashes, f"{pin.requirement} has no --hash"
        assert all(HASH.match(one) for one in pin.hashes), pin.hashes


@pytest.mark.parametrize("requirement", _project_requirements(), ids=str)
def test_pyproject_requirement_is_pinned_in_its_range(requirement: Requirement) -> None:
    name = canonicalize_name(requirement.name)
    assert name in BY_NAME, f"{requirement} is not in the lock; {REFRESH}"
    for pin in BY_NAME[name]:
        assert requirement.specifier.contains(pin.version, prereleases=True), (
            f"the lock pins {pin.requirement}, outside pyproject.toml's {requirement}; {REFRESH}"
        )
    for extra in sorted(requirement.extras):
        # what the extra adds, as the pinned release's own metadata says (the installed one: see the last test)
        for text in importlib.metadata.requires(requirement.name) or []:
            needed = Requirement(text)
            if needed.marker and needed.marker.evaluate({"extra": extra}) and not needed.marker.evaluate({"extra": ""}):
                assert canonicalize_name(needed.name) in BY_NAME, (
                    f"{requirement}'s {needed} is not in the lock; {REFRESH}"
                )


def test_the_lock_s_direct_requirements_are_pyproject_s() -> None:
    direct = {pin.name for pin in PINS if PROJECT in pin.via}
    assert direct == {canonicalize_name(requirement.name) for requirement in _project_requirements()}, REFRESH


def test_the_lock_was_made_by_scripts_lock_sh() -> None:
    """The header's `uv pip compile` command (uv leaves --upgrade and the like out) is the one the script runs, so a
    lock compiled by hand with other options (say without --universal, which drops Windows-only packages) shows."""
    header_command = next(line for line in HEADER if line.startswith("uv pip compile"))
    script = LOCK_SCRIPT.read_text(encoding="utf-8").replace("\\\n", " ")
    script_line = next(line for line in script.splitlines() if " pip compile " in line and not line.startswith("#"))
    script_words = shlex.split(script_line, comments=True)
    script_command = script_words[script_words.index("pip") : script_words.index("$@")]
    assert shlex.split(header_command)[1:] == script_command, "run scripts/lock.sh to remake the lock"


def test_this_environment_is_the_locked_set() -> None:
    """What the suite runs on is what the lock says (scripts/bootstrap.sh installs it whenever the lock changes)."""
    wrong = {}
    for pin in PINS:
        if pin.requirement.marker is None or pin.requirement.marker.evaluate():
            try:
                installed = importlib.metadata.version(pin.name)
            except importlib.metadata.PackageNotFoundError:
                installed = "missing"
            if installed == "missing" or Version(installed) != pin.version:
                wrong[pin.name] = f"{installed}, locked {pin.version}"
    assert wrong == {}, "run scripts/bootstrap.sh (./test.sh does) to install the lock"
