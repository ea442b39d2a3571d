"""The app's one hub of signals (GUI thread): who is logged in, which member changed, sync progress, online state.

Screens subscribe here instead of to each other, so a screen can be added or removed without rewiring the rest.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class AppHub(QObject):
    # The logged-in staff (a localdb.staff.StaffSession), or None after logout / lock.
    staff_changed = Signal(object)
    # A member's data changed on this till: the member id. Emitted by `ui.operations` for every member a write
    # service's result names (award, redeem, reverse, enrol, consent, preference edit); a pull says members_reloaded.
    member_changed = Signal(str)
    # Many members may have changed (a pull wrote pages): screens showing a member re-read it.
    members_reloaded = Signal()
    # Sync: started; progress (phase value, done, total or -1 when unknown); finished (a sync.engine.SyncReport).
    sync_started = Signal()
    sync_progress = Signal(str, int, int)
    sync_finished = Signal(object)
    # The server answered (True) or did not (False) at the last health check; with the clock skew in seconds.
    online_changed = Signal(bool)
    clock_skew_changed = Signal(int)
    # A lookup the scanner typed while the focus was elsewhere: the scanned text, for the lookup page.
    scanned = Signal(str)
