"""Property tests of the parsers not covered elsewhere: the credentials file, template names and
mission keys, feature names, work package ids and WP-file frontmatter. Whatever the input, the
answer is a correct result or the parser's own clear error, never another exception."""

import re
import stat
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from kitty_testing import isolate
from spec_kitty.jsonl import ScriptError
from spec_kitty.runtime.resolve import TemplateError, resolve_mission, resolve_template
from spec_kitty.sync.credentials import Credentials, CredentialsError, CredentialStore
from spec_kitty.workflow import frontmatter
from spec_kitty.workflow.slugs import MAX_SLUG_LENGTH, slugify, wp_id

FIXTURES = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(0o600)


def load_or_error(path: Path) -> Credentials | None:
    try:
        return CredentialStore(path).load()
    except CredentialsError as error:
        message = str(error)
        assert "\n" not in message.strip() or "TOML" in message
        assert str(path) in message or "auth-login" in message
        return None


@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
@example(b"[tokens]\naccess = 1\n")
@example(b"[tokens]\naccess = " + b"[" * 5000 + b"]" * 5000 + b"\n")
@example(b"[tokens]\naccess = " + b"{a = " * 3000 + b"1" + b"}" * 3000 + b"\n")
@example(b"[tokens]\naccess_expires_at = 1" + b"0" * 5000 + b"\n")
@example(b'[tokens]\naccess = "\\ud800"\n')
@example(b'[tokens]\naccess="a"\nrefresh="r"\naccess_expires_at=2020-01-01\n[server]\nurl="u"\n')
@FIXTURES
def test_any_bytes_in_the_credentials_file_load_or_fail_clearly(tmp_path, raw):
    path = tmp_path / "home" / "credentials"
    write_private(path, raw)
    load_or_error(path)


toml_values = st.recursive(
    st.none().map(lambda _: "")
    | st.text(max_size=12)
    | st.integers(-(2**63), 2**63 - 1)
    | st.booleans()
    | st.floats(allow_nan=False)
    | st.datetimes()
    | st.dates()
    | st.times(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
KEYS = {
    "tokens": ["access", "refresh", "access_expires_at", "refresh_expires_at"],
    "expiries": ["access", "refresh"],
    "user": ["username", "team_slug"],
    "server": ["url"],
}


@st.composite
def credential_documents(draw):
    """Documents in the layout's shape whose values may be of any TOML type, or missing."""
    doc = {}
    for table, keys in KEYS.items():
        if draw(st.booleans()):
            doc[table] = (
                {key: draw(toml_values) for key in keys if draw(st.booleans())}
                if draw(st.integers(0, 9))
                else draw(toml_values)
            )
    return doc


VALID = {
    "tokens": {"access": "a", "refresh": "r", "access_expires_at": datetime(2031, 1, 1)},
    "expiries": {"access": "2031-01-01T00:00:00+02:00", "refresh": datetime(2031, 2, 1)},
    "user": {"username": 7},
    "server": {"url": "https://sync.example.test"},
}


@given(credential_documents())
@example(VALID)
@example({**VALID, "expiries": [], "tokens": {**VALID["tokens"], "refresh_expires_at": "x"}})
@FIXTURES
def test_well_formed_toml_of_any_shape_loads_correctly_or_fails_clearly(tmp_path, doc):
    import tomli_w

    path = tmp_path / "home" / "credentials"
    write_private(
        path, tomli_w.dumps({k: v for k, v in doc.items() if isinstance(v, dict)}).encode()
    )
    creds = load_or_error(path)
    if creds is not None:
        tokens = doc["tokens"]
        assert (creds.access, creds.refresh) == (tokens["access"], tokens["refresh"])
        assert creds.server_url == doc["server"]["url"]
        for moment in (creds.access_expires_at, creds.refresh_expires_at):
            assert isinstance(moment, datetime) and moment.utcoffset().total_seconds() == 0
        # What the store read, it writes back and reads again the same.
        store = CredentialStore(path)
        with store.locked():
            store.save(creds)
        assert store.load() == creds
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.fixture(scope="module")
def runtime_project(tmp_path_factory):
    """A migrated project with a global runtime beside it, shared by the examples."""
    import subprocess

    from spec_kitty.workflow.init import init_project

    base = tmp_path_factory.mktemp("runtime")
    root = base / "project"
    root.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        isolate(base, patch)
        patch.setenv("KITTIFY_HOME", str(base / "kittify"))
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        init_project(root)
    return root


path_like = st.lists(
    st.sampled_from([*"./\\~-_ aZ09\x00\n:", "..", "spec-template", ".md", "%2e"]), max_size=8
).map("".join) | st.text(max_size=24)


@given(path_like, st.none() | path_like)
@example("../../../etc/passwd", None)
@example("spec-template.md", "../../..")
@example("spec-template.md\x00", "software-dev")
@FIXTURES
def test_template_lookups_never_leave_their_tiers(runtime_project, monkeypatch, name, mission):
    from spec_kitty.shipped import shipped_dir

    monkeypatch.setenv("KITTIFY_HOME", str(runtime_project.parent / "kittify"))
    roots = [runtime_project / ".kittify", runtime_project.parent / "kittify"]
    roots = [root.resolve() for root in (*roots, shipped_dir("templates"))]
    found = []
    for kind in ("template", "command"):
        try:
            found.append(resolve_template(name, mission, runtime_project, kind).path)
        except TemplateError:
            pass
    try:
        found.append(resolve_mission(mission, runtime_project).path)
    except TemplateError:
        pass
    for path in found:
        assert any(path.resolve().is_relative_to(root) for root in roots), path


SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


@given(st.text(max_size=120))
@example("-" * 60 + "a")
@example("a" * 47 + "-" + "b" * 10)
@example("../../etc/passwd")
@settings(max_examples=500, deadline=None)
def test_feature_names_slug_to_one_safe_path_segment_or_a_clear_error(name):
    try:
        slug = slugify(name)
    except ScriptError as error:
        assert "no ASCII letters or digits" in str(error)
        return
    assert SLUG.fullmatch(slug) and len(slug) <= MAX_SLUG_LENGTH
    assert slugify(slug) == slug


@given(st.text(max_size=12))
@example("WP00")
@example("WP100")
@example("../WP01")
@example("WP01/../../x")
@settings(max_examples=500, deadline=None)
def test_work_package_ids_are_wp_and_two_digits_or_refused(value):
    try:
        result = wp_id(value)
    except ScriptError as error:
        assert "expected WP01 .. WP99" in str(error)
        return
    assert re.fullmatch(r"WP(0[1-9]|[1-9][0-9])", result)


@given(st.text(max_size=300))
@example("!!python/object/apply:os.system ['echo pwned']")
@example("a: &x [*x]")
@example("- 1\n- 2")
@settings(max_examples=300, deadline=None)
def test_any_frontmatter_text_parses_to_a_mapping_or_a_clear_error(text):
    try:
        fields = frontmatter.parse(text, "WP01.md")
    except ScriptError as error:
        assert str(error).startswith("WP01.md")
        return
    assert isinstance(fields, dict)
