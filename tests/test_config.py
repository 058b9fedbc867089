"""Settings: one typed tree; every field an environment variable and a flag; bad values refused in one sentence."""

from __future__ import annotations

import pytest

from reviewqa.cli import build_parser, settings_from_args
from reviewqa.config import load_settings, settings_paths
from reviewqa.errors import SettingsProblem


def test_every_setting_has_a_description_and_a_default():
    for path, info in settings_paths():
        assert info.description and not info.is_required(), path


def test_group_fields_are_read_from_the_environment():
    settings = load_settings(environ={"REVIEWQA_RETRIEVAL__K": "20", "REVIEWQA_ANSWER__MAX_SENTENCES": "2",
                                      "REVIEWQA_CHUNK__MAX_TOKENS": "120", "REVIEWQA_FETCH__ENABLED": "false"})
    assert (settings.retrieval.k, settings.answer.max_sentences, settings.chunk.max_tokens) == (20, 2, 120)
    assert settings.fetch.enabled is False


def test_short_environment_names():
    settings = load_settings(environ={"REVIEWQA_INDEX": "/tmp/i", "REVIEWQA_CORPUS": "/tmp/c", "REVIEWQA_MODEL": "m"})
    assert (str(settings.index_dir), str(settings.corpus_dir), settings.embed.model) == ("/tmp/i", "/tmp/c", "m")


def test_flags_override_the_environment(monkeypatch):
    monkeypatch.setenv("REVIEWQA_RETRIEVAL__K", "20")
    args = build_parser().parse_args(["ask", "q", "-k", "7", "--answer-min-evidence", "0.5"])
    settings = settings_from_args(args)
    assert settings.retrieval.k == 7 and settings.answer.min_evidence == 0.5


def test_every_setting_is_a_flag():
    help_text = build_parser()._subparsers._group_actions[0].choices["ask"].format_help()
    for path, _ in settings_paths():
        assert "--" + "-".join(part.replace("_", "-") for part in path) in help_text, path


def test_a_bad_value_is_refused_naming_the_flag_and_the_variable():
    with pytest.raises(SettingsProblem, match=r"invalid setting retrieval\.k \(--retrieval-k or REVIEWQA_RETRIEVAL__K\)"):
        load_settings(environ={"REVIEWQA_RETRIEVAL__K": "0"})
    assert not issubclass(SettingsProblem, ValueError)


def test_the_corpus_folder_defaults_but_stays_unset():
    settings = load_settings(environ={})
    assert settings.corpus_dir is None and str(settings.corpus_folder) == "corpus"

@pytest.mark.parametrize(("address", "allowed"), [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True), ("127.0.0.2", True),
    ("0.0.0.0", False), ("192.168.1.20", False), ("example.org", False), ("", False), (None, False),
])
def test_app_offers_to_build_only_on_a_loopback_address_by_default(address, allowed):
    assert load_settings(environ={}).app.build_allowed(address) is allowed


@pytest.mark.parametrize(("value", "allowed"), [("false", False), ("true", True)])
def test_allow_build_setting_decides_on_any_address(value, allowed):
    app = load_settings(environ={"REVIEWQA_APP__ALLOW_BUILD": value}).app
    assert app.build_allowed("127.0.0.1") is allowed and app.build_allowed("0.0.0.0") is allowed


def test_serve_passes_its_setting_flags_to_the_app(monkeypatch):
    import subprocess

    from reviewqa import cli

    calls = []
    monkeypatch.setattr(subprocess, "call", lambda command, env: calls.append(env) or 0)
    assert cli.main(["serve", "--app-allow-build", "false", "-k", "7"]) == 0
    assert calls[0]["REVIEWQA_APP__ALLOW_BUILD"] == "False" and calls[0]["REVIEWQA_RETRIEVAL__K"] == "7"
    assert load_settings(environ=calls[0]).app.allow_build is False
