"""Blanking secrets in whatever form a server echoes them, and showing server text safely."""

import json
import string
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from spec_kitty.redact import SECRET, blank_secrets, blank_secrets_in, server_text, visible

PASSWORD = 'PÄSS"WORD/ 1'


def json_body(value: str, ascii_only: bool) -> str:
    return json.dumps({"password": value}, ensure_ascii=ascii_only)


@pytest.mark.parametrize(
    "echo",
    [
        f"wrong password {PASSWORD}.",
        f"body was {json_body(PASSWORD, True)}",
        f"body was {json_body(PASSWORD, False)}",
        f"body was {json_body(PASSWORD, True).replace('c4', 'C4')}",
        f"body was {json_body(PASSWORD, False).replace('/', chr(92) + '/')}",
        f"GET /login?password={quote(PASSWORD)}&next=1",
        f"GET /login?password={quote_plus(PASSWORD)}&next=1",
        f"GET /login?password={quote(PASSWORD).replace('%C3%84', '%c3%84')}",
        f"twice: {PASSWORD} and {quote(PASSWORD)}",
    ],
    ids=[
        "raw",
        "json-ascii",
        "json",
        "json-upper-hex",
        "json-slash",
        "url",
        "url-plus",
        "url-lower-hex",
        "twice",
    ],
)
def test_a_secret_is_blanked_in_every_form_a_server_echoes_it(echo):
    blanked = blank_secrets(echo, [PASSWORD])
    assert SECRET in blanked
    for form in ("PÄSS", "P\\u00c4SS", "P\\u00C4SS", "P%C3%84SS", "P%c3%84SS", "WORD"):
        assert form not in blanked, blanked


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("the passwords file", "password"),
        ("pwned", "pw"),
        ("token abc123def", "abc"),
        ("PASSWORD_HASH", "PASSWORD"),
    ],
)
def test_only_whole_values_are_blanked_never_part_of_unrelated_text(text, secret):
    assert blank_secrets(text, [secret]) == text


def test_the_marker_never_tells_the_length():
    short, long = blank_secrets("was: ab", ["ab"]), blank_secrets("was: " + "x" * 90, ["x" * 90])
    assert short == long == f"was: {SECRET}"


def test_every_string_of_an_answer_is_blanked_keys_included():
    answer = {"error": "refused tok-1", "details": [{"tok-1": "seen tok-1"}, 7, None]}
    assert blank_secrets_in(answer, ["tok-1", None, ""]) == {
        "error": f"refused {SECRET}",
        "details": [{SECRET: f"seen {SECRET}"}, 7, None],
    }


SEPARATORS = " .,\"':=&()\n/"
secrets = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters=SEPARATORS + "<>"),
    min_size=1,
    max_size=24,
).filter(lambda s: any(c.isalnum() for c in s))


@given(
    secret=secrets,
    before=st.sampled_from(SEPARATORS),
    after=st.sampled_from(SEPARATORS),
    form=st.sampled_from(["raw", "json", "json-ascii", "url", "url-plus"]),
)
@example(secret="pw", before=" ", after=".", form="raw")
@example(secret="\U0001f431 cat", before="=", after="&", form="url-plus")
@settings(max_examples=300, deadline=None)
def test_any_secret_between_separators_is_blanked_in_any_form(secret, before, after, form):
    encoded = {
        "raw": secret,
        "json": json.dumps(secret, ensure_ascii=False)[1:-1],
        "json-ascii": json.dumps(secret)[1:-1],
        "url": quote(secret, safe=""),
        "url-plus": quote_plus(secret, safe=""),
    }[form]
    blanked = blank_secrets(f"<{before}{encoded}{after}>", [secret])
    assert blanked == f"<{before}{SECRET}{after}>"


@given(st.text(alphabet=string.ascii_letters + " .,", max_size=60))
def test_text_without_the_secret_comes_back_unchanged(text):
    assert blank_secrets(text, ["Zq9-not-in-the-alphabet"]) == text


@pytest.mark.parametrize(
    ("said", "shown"),
    [
        ("\x1b]0;pwned\x07title", "\\x1b]0;pwned\\x07title"),
        ("ok\nSynced: 999, Duplicates: 0, Failed: 0", "ok\\nSynced: 999, Duplicates: 0, Failed: 0"),
        ("\r\t", "\\r\\t"),
        ("evil\u202etxt.exe", "evil\\u202etxt.exe"),
        ("half \ud800 pair", "half \\ud800 pair"),
        ("caf\u00e9 \U0001f431 ok", "caf\u00e9 \U0001f431 ok"),
    ],
)
def test_server_text_shows_control_characters_on_one_line(said, shown):
    assert visible(said) == shown


def test_server_text_is_cut_to_length_after_its_secrets_are_blanked():
    token = "T" * 40
    said = "x" * 180 + f" token {token} trailing and more"
    shown = server_text(said, [token], limit=200)
    assert len(shown) <= 200 and shown.endswith("...")
    assert "TTTT" not in shown  # a secret is never cut in half and so half shown
    assert len(visible("\x1b" * 500, limit=50)) == 50


@given(st.text(max_size=300))
def test_whatever_a_server_says_is_one_printable_line_of_bounded_length(said):
    shown = visible(said, limit=120)
    assert len(shown) <= 120
    assert "\n" not in shown and "\r" not in shown and "\x1b" not in shown
    shown.encode("utf-8")  # no lone surrogate left to break the terminal's encoding
