from __future__ import annotations

from typing import Any

import pytest

from integrum.risks import sources


@pytest.fixture
def action_sources(monkeypatch: Any) -> None:
    """Let actions stand in for context records as risk sources (any linkable record works the same)."""
    monkeypatch.setitem(sources.SOURCE_KINDS, "actions.action", "Action (test)")
