"""The chaos tests stop the machine's PostgreSQL and take minutes: they run only when asked for by marker
(`pytest -m chaos tests/chaos`, or `make chaos`), never as a side effect of a plain `pytest`."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "chaos" in (config.getoption("markexpr", "") or ""):
        return
    skip = pytest.mark.skip(reason="fault injection runs only with -m chaos (make chaos)")
    for item in items:
        if item.get_closest_marker("chaos") is not None:
            item.add_marker(skip)
