"""The run mode is a closed set: read into the Mode enum, anything else refused by name."""

from __future__ import annotations

import pytest

from server.settings import Mode, Settings


@pytest.mark.parametrize("mode", list(Mode))
def test_every_mode_is_read_as_the_enum(mode: Mode) -> None:
    settings = Settings.from_env({"SIGNAL_REGISTRY_MODE": mode.value})
    assert settings.mode is mode
    assert settings.replace(retention_years=3).mode is mode


def test_an_unknown_mode_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="mode must be production, demo or test, not 'staging'"):
        Settings.from_env({"SIGNAL_REGISTRY_MODE": "staging"})
