"""A name typed at the counter lists its most recent visitors first, like the last 4 digits do, and when more match
than are listed the caption says so ("the first 20 of 25") instead of "20 members found"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from localdb.members import CANDIDATE_LIMIT, LookupKind
from localdb.models import Member
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import child, show_widget
from ui.lookup_page import LookupPage
from widgets.candidate_list import CandidateList


def _quinnbys(env: GuiEnv, count: int) -> list[str]:
    """`count` new members named Quinnby…, visited in a shuffled order (every fifth never): their ids, the most
    recent visitor first, then those never seen by name."""
    staff = env.ctx.actor()
    ids = [env.till.members.enrol(staff, phone=f"139770{i:05d}", name=f"Quinnby {chr(0x4E00 + i)}").member.id
           for i in range(count)]  # fmt: skip
    base = datetime(2026, 3, 1, tzinfo=UTC)
    visits = {member_id: None if i % 5 == 4 else base + timedelta(hours=(i * 7) % count) for i, member_id in
              enumerate(ids)}  # fmt: skip
    with env.till.db.write() as session:
        for member_id, visit in visits.items():
            session.execute(update(Member).where(Member.id == member_id).values(last_visit_at=visit))
    visited = sorted((v, k) for k, v in visits.items() if v is not None)
    never = sorted(k for k, v in visits.items() if v is None)
    by_name = {member_id: env.member(member_id).name for member_id in never}
    return [k for _v, k in reversed(visited)] + sorted(never, key=by_name.__getitem__)


def test_a_common_name_lists_the_most_recent_visitors_and_says_how_many_match(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    expected = _quinnbys(gui_env, 25)

    result = gui_env.till.members.lookup(gui_env.ctx.actor(), "Quinnby")
    assert result.kind is LookupKind.NAME and result.matched == 25
    assert [m.id for m in result.members] == expected[:CANDIDATE_LIMIT]

    page = show_widget(qtbot, LookupPage(gui_env.ctx), size=(900, 700))
    page.input.setText("Quinnby")
    page.look_up()
    assert child(page, CandidateList, "candidateList").member_ids() == expected[:20]
    assert child(page, QLabel, "candidatesCaption").text() == (
        "Showing the first 20 of 25 members (most recent visit first): type more to narrow, or choose with the "
        "arrow keys."
    )


def test_a_name_that_matches_few_says_how_many_were_found(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    expected = _quinnbys(gui_env, 3)
    page = show_widget(qtbot, LookupPage(gui_env.ctx), size=(900, 700))
    page.input.setText("Quinnby")
    page.look_up()
    assert child(page, CandidateList, "candidateList").member_ids() == expected
    caption = child(page, QLabel, "candidatesCaption").text()
    assert caption.startswith("3 member") and "found" in caption and "Showing" not in caption
