"""The refusal texts are looked up in dict literals (`ui/messages.py`): a key written twice silently keeps only the
later text (the earlier one is never shown, yet still translated). Python does not refuse it and ruff catches only
literal keys, so this reads the module's dicts."""

from __future__ import annotations

import ast
from pathlib import Path

MESSAGES = Path(__file__).resolve().parents[1] / "ui" / "messages.py"


def test_no_message_table_names_a_key_twice() -> None:
    repeated = []
    for node in ast.walk(ast.parse(MESSAGES.read_text("utf-8"))):
        if isinstance(node, ast.Dict):
            keys = [ast.unparse(key) for key in node.keys if key is not None]
            repeated += sorted({key for key in keys if keys.count(key) > 1})
    assert repeated == []
