"""Scripted conversations on the embedded engine, and on a real Rasa server: identical cases."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from config.wiring import Container, build_container
from dialogue import rasa_runtime
from dialogue.form_logic import load_catalogue
from dialogue.rasa_engine import RasaEngine
from intake_core.messages import InboundMessage, Turn
from intake_core.storage.migrate import upgrade_async
from tests.integration.conformance.runner import SCRIPTS, check_expectations, play
from tests.support import FixedClock, settings_for

NAMES = [script["name"] for script in SCRIPTS]


def test_there_are_at_least_twenty_scripts_in_both_languages() -> None:
    assert len(SCRIPTS) >= 20
    assert any(s.get("locale") == "en" for s in SCRIPTS) and any(s.get("locale", "zh") == "zh" for s in SCRIPTS)


async def fresh_container(tmp_path: Path, name: str) -> Container:
    settings = settings_for(tmp_path / name)
    settings.var_dir.mkdir(parents=True)
    await upgrade_async(settings.database_url)
    # Real time: the Rasa action server reads its own clock for relative dates.
    return build_container(settings, clock=FixedClock(datetime.now(UTC)))


@pytest.mark.parametrize("script", SCRIPTS, ids=NAMES)
async def test_embedded_engine(script: dict[str, Any], tmp_path: Path) -> None:
    container = await fresh_container(tmp_path, "embedded")
    try:
        check_expectations(script, await play(container, script))
    finally:
        await container.close()


class _NoFallback:
    async def handle(self, message: InboundMessage, state: dict[str, Any]) -> Turn:
        raise AssertionError("Rasa did not answer a conformance turn")


@pytest.fixture(scope="session")
def rasa_url() -> Iterator[str]:
    """A real Rasa server and action server trained from the repository (cached outside the clone)."""
    model = os.environ.get("INTAKE_RASA_MODEL")  # a model trained elsewhere; default: train or reuse
    try:
        servers = rasa_runtime.up(rasa_port=5905, actions_port=5955, model=Path(model) if model else None)
    except rasa_runtime.RasaRuntimeError as error:
        pytest.fail(f"Rasa could not start: {error}. Build it with: make rasa", pytrace=False)
    with servers:
        yield servers.rasa_url


@pytest.fixture
async def rasa_container(rasa_url: str, tmp_path: Path) -> AsyncIterator[Container]:
    container = await fresh_container(tmp_path, "rasa")
    container.dialogue = RasaEngine(rasa_url, fallback=_NoFallback(), timeout=60,
                                    category_required=load_catalogue(container.settings.categories_file)
                                    .category_required)
    container.conversations.dialogue = container.dialogue
    yield container
    await container.close()


@pytest.mark.rasa
@pytest.mark.parametrize("script", SCRIPTS, ids=NAMES)
async def test_rasa_engine_registers_what_the_embedded_engine_registers(
        script: dict[str, Any], rasa_container: Container, tmp_path: Path) -> None:
    embedded = await fresh_container(tmp_path, "embedded")
    try:
        expected = await play(embedded, script)
    finally:
        await embedded.close()
    actual = await play(rasa_container, script)
    assert actual.cases == expected.cases, "\n".join(actual.replies)
    assert actual.handoffs == expected.handoffs
