"""docs/pos.md's example client, run as it is written against a real till POS interface."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from localdb.member_view import MemberView
from localdb.till import Till
from tests.posapi.conftest import PosHandle

DOC = Path(__file__).resolve().parents[2] / "docs" / "pos.md"


def _example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) == 1, "docs/pos.md has one example client"
    return str(blocks[0])


def test_the_documented_client_sells_and_refunds(pos: PosHandle, till: Till, member: MemberView) -> None:
    namespace: dict[str, Any] = {}
    exec(compile(_example(), str(DOC), "exec"), namespace)
    result: dict[str, int] = namespace["sell_and_refund"](pos.url, pos.secret, "13800138000")
    # ¥90 paid: 90 points; one of the two milks back is ¥27 of the ¥90 (the ¥10 off spread): 27 points.
    assert result == {"earned": 90, "clawed_back": 27, "balance": 63}
    assert len(till.ledger.earn_for_receipt("0001-20260318-0042")) == 1
