"""Saving the AcoustID key: only the [acoustid] api_key line changes, the loader reads it back, bad input is
refused with a message and leaves the file alone."""

from __future__ import annotations

import pytest

from analyzer.acoustid.keys import ConfigError, save_api_key, saved_api_key
from analyzer.acoustid.service import config_path, load_acoustid_config

OTHER = """# my Tonearm settings
[scan]
include_hidden = true   # yes, really

[acoustid]
user_key = "U5er"
api_key = "old"

[later]
name = "kept"
"""


def test_a_new_file_gets_the_section() -> None:
    assert saved_api_key() == ""
    path = save_api_key("  Ab12-_Cd  ")
    assert path == config_path() and path.read_text() == '[acoustid]\napi_key = "Ab12-_Cd"\n'
    config = load_acoustid_config()
    assert config is not None and config.api_key == "Ab12-_Cd" and config.user_key is None
    assert saved_api_key() == "Ab12-_Cd"


def test_only_the_key_line_changes() -> None:
    path = config_path()
    path.parent.mkdir(parents=True)
    path.write_text(OTHER)
    save_api_key("NewKey1")
    assert path.read_text() == OTHER.replace('api_key = "old"', 'api_key = "NewKey1"')
    config = load_acoustid_config()
    assert config is not None and (config.api_key, config.user_key) == ("NewKey1", "U5er")

    save_api_key("")  # removing the key keeps the rest, user key included
    assert path.read_text() == OTHER.replace('api_key = "old"\n', "")
    assert load_acoustid_config() is None


def test_a_section_without_the_key_and_a_file_without_the_section() -> None:
    path = config_path()
    path.parent.mkdir(parents=True)
    path.write_text('[acoustid]\nuser_key = "U"\n')
    save_api_key("K1")
    assert path.read_text() == '[acoustid]\napi_key = "K1"\nuser_key = "U"\n'
    path.write_text("[scan]\nworkers = 2\n")
    save_api_key("K2")
    assert path.read_text() == '[scan]\nworkers = 2\n\n[acoustid]\napi_key = "K2"\n'


def test_the_environment_variable_still_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    save_api_key("FromFile")
    monkeypatch.setenv("TONEARM_ACOUSTID_API_KEY", "FromEnv")
    config = load_acoustid_config()
    assert config is not None and config.api_key == "FromEnv"
    assert saved_api_key() == "FromFile"


@pytest.mark.parametrize("key", ['a"b', "two words", "x" * 129, "ключ"])
def test_what_is_not_a_key_is_refused(key: str) -> None:
    with pytest.raises(ConfigError, match="letters and digits"):
        save_api_key(key)
    assert not config_path().exists()


def test_a_broken_file_is_left_for_the_user() -> None:
    path = config_path()
    path.parent.mkdir(parents=True)
    path.write_text("[acoustid\napi_key = 1\n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        save_api_key("Key")
    assert path.read_text() == "[acoustid\napi_key = 1\n"


def test_a_dotted_key_elsewhere_is_not_guessed_at() -> None:
    path = config_path()
    path.parent.mkdir(parents=True)
    path.write_text('acoustid.api_key = "old"\n')
    with pytest.raises(ConfigError, match="cannot edit"):
        save_api_key("New")
    assert path.read_text() == 'acoustid.api_key = "old"\n'
