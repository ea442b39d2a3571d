"""GUI tests (pytest-qt, offscreen)."""

import pytest

# The shared helpers assert on the tests' behalf: pytest explains their failures as it does a test's own asserts.
pytest.register_assert_rewrite("tests.gui.helpers")
