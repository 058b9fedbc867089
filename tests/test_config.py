"""Settings with a default decided at run time: the app's build button."""

import pytest

from reviewqa.config import load_settings


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
