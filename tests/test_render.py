"""Corpus text as Markdown and terminal text: nothing in a corpus file becomes a live link, markup or an escape code."""

import re

import pytest

from reviewqa.render import escape_markdown, plain


@pytest.mark.parametrize(("text", "markdown"), [
    ("see http://evil.example/x now", "see `http://evil.example/x` now"),
    ("HTTPS://EVIL.EXAMPLE/A?b=c&d", "`HTTPS://EVIL.EXAMPLE/A?b=c&d`"),
    ("(https://www.clinicaltrials.gov), and", "(`https://www.clinicaltrials.gov`), and"),
    ("at www.evil.example.", "at `www.evil.example`."),
    ("Correspondence: reza.shirazi@unsw.edu.au; others", "Correspondence: `reza.shirazi@unsw.edu.au`; others"),
    ("<https://evil.example>", "\\<`https://evil.example`\\>"),
    ("http://a.example/x|y", "`http://a.example/x`\\|y"),  # a pipe would split a table cell, even inside code
    ("http://a.example/`x`", "`http://a.example/`\\`x\\`"),
    ("Smith@2019 and http:// alone", "Smith@2019 and http:// alone"),  # nothing GFM would link
])
def test_bare_urls_and_addresses_become_code_never_links(text, markdown):
    assert escape_markdown(text) == markdown


def test_no_bare_url_is_left_outside_code():
    text = "Visit http://a.example, https://b.example/p?q=1 or www.c.example; mail d@e.example [12] (see [3])."
    outside_code = re.sub(r"`[^`]*`", "", escape_markdown(text))
    assert not re.search(r"https?://|www\.|@", outside_code)
    assert "[12]" in outside_code  # citation markers stay readable


def test_a_long_word_is_escaped_in_linear_time():
    assert escape_markdown("a" * 200_000 + "@b.example").startswith("`a")


@pytest.mark.parametrize(("text", "shown"), [
    ("\x1b[31mred\x1b[0m", "red"),
    ("\x1b]8;;http://evil.example/\x07click\x1b]8;;\x07", "click"),
    ("\x1b]0;window title\x1b\\text", "text"),
    ("\x9b2Jcleared", "cleared"),
    ("bell\x07 and \x1b] unterminated", "bell and ] unterminated"),
    ("tab\tand\nnewline kept", "tab\tand\nnewline kept"),
])
def test_terminal_text_has_no_escape_sequences(text, shown):
    assert plain(text) == shown


def test_markdown_has_no_control_characters():
    assert escape_markdown("\x1b[31mred\x1b[0m <b>") == "red \\<b\\>"
