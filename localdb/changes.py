"""What a service call changed at this till, so the screens know what to draw again (Anki's `OpChanges`).

Every write service returns a result that carries its `Changes`; the GUI's background runner (`ui.operations`)
tells the app's hub about them once the call is done, so no screen announces a change by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Changes:
    """The members whose data at this till is now different (balance, profile, consent, preferences, visits)."""

    members: frozenset[str] = frozenset()

    @classmethod
    def of_member(cls, member_id: str) -> Changes:
        return cls(frozenset((member_id,)))

    @property
    def changes(self) -> Changes:
        """A service with nothing else to return returns its `Changes` itself."""
        return self


@runtime_checkable
class ChangingResult(Protocol):
    """A write service's result: whatever it returns, plus what it changed."""

    @property
    def changes(self) -> Changes: ...
