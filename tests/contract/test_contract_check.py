"""contract-check replays the shipped fixtures against the reference server on loopback."""

import json

import pytest
from kitty_testing import json_lines
from spec_kitty.jsonl import ScriptError
from spec_kitty.server import ReferenceServer

PROJECT = "0b5d9a3e-2c1f-4e8a-9b7d-3f6e1a2c4d5e"
SECOND_PROJECT = "00000000-0000-4000-8000-00000000002a"  # contract-check's default --other-project
PASSWORD = "checker-password"


@pytest.fixture
def checked_server(tmp_path):
    """A reference server whose `checker` may write to PROJECT and SECOND_PROJECT only, as the
    fixtures expect."""
    users = {"checker": {"password": PASSWORD, "projects": [PROJECT, SECOND_PROJECT]}}
    with ReferenceServer(tmp_path / "contract.db", users=users) as server:
        yield server


def contract_check(script, server, *args, expired=None, password=PASSWORD):
    env = {"SPEC_KITTY_CONTRACT_EXPIRED_TOKEN": expired} if expired else {}
    return script(
        "contract-check",
        "--server",
        server.url,
        "--username",
        "checker",
        "--password-stdin",
        *args,
        input=password + "\n",
        env=env,
    )


def test_every_fixture_passes_against_the_reference_server(checked_server, script):
    expired = checked_server.issue_token("checker", lifetime=-60)
    result = contract_check(script, checked_server, expired=expired)
    outcomes = json_lines(result.stdout)
    assert result.returncode == 0, result.stdout
    assert len(outcomes) >= 19
    assert {o["status"] for o in outcomes} == {"pass"}
    assert "22 passed, 0 failed, 0 skipped" in result.stderr.decode()


def test_fixtures_replay_again_on_the_same_server(checked_server, script):
    expired = checked_server.issue_token("checker", lifetime=-60)
    contract_check(script, checked_server, expired=expired)
    again = contract_check(script, checked_server, expired=expired)
    assert again.returncode == 0
    assert {o["status"] for o in json_lines(again.stdout)} == {"pass"}


def test_without_an_expired_token_that_fixture_is_skipped_not_failed(checked_server, script):
    result = contract_check(script, checked_server)
    skipped = [o for o in json_lines(result.stdout) if o["status"] == "skip"]
    assert result.returncode == 0
    assert [o["fixture"] for o in skipped] == ["14-expired-token"]
    assert "SPEC_KITTY_CONTRACT_EXPIRED_TOKEN" in skipped[0]["reason"]


def test_a_server_that_breaks_the_contract_gets_the_exact_difference(tmp_path, script):
    # This user may write everywhere, so the events for the forbidden project are accepted.
    users = {"checker": {"password": PASSWORD, "projects": ["*"]}}
    with ReferenceServer(tmp_path / "lax.db", users=users) as server:
        result = contract_check(script, server)
    failed = [o for o in json_lines(result.stdout) if o["status"] == "fail"]
    assert result.returncode == 1
    assert [o["fixture"] for o in failed] == ["16-forbidden-project", "20-project-scoped-ids"]
    assert failed[0]["step"] == 1
    assert {"path": "body.results[0].status", "expected": "rejected", "found": "success"} in (
        failed[0]["differences"]
    )


def test_no_token_or_password_appears_in_the_output(tmp_path, script):
    users = {"checker": {"password": PASSWORD, "projects": ["*"]}}
    with ReferenceServer(tmp_path / "lax.db", users=users) as server:
        expired = server.issue_token("checker", lifetime=-60)
        result = contract_check(script, server, expired=expired)
    output = result.stdout.decode() + result.stderr.decode()
    assert PASSWORD not in output
    assert expired not in output
    assert "eyJ" not in output  # no JWT of any kind


def test_a_wrong_password_exits_4(checked_server, script):
    result = contract_check(script, checked_server, password="wrong")
    assert result.returncode == 4
    assert "login as 'checker'" in result.stderr.decode()


def test_an_unreachable_server_exits_3(script, tmp_path):
    class Gone:
        url = "http://127.0.0.1:9"

    result = contract_check(script, Gone())
    assert result.returncode == 3
    # transport's words, as batch-send and sync-now say it, with contract-check's advice.
    assert result.stderr.decode().startswith(
        "contract-check: offline: cannot reach http://127.0.0.1:9/api/v1/token/ "
        "(connection refused); the check stopped there"
    )


def test_fixture_requests_are_valid_batches_unless_they_show_a_bad_case():
    """The good fixtures send only events that satisfy batch-request.schema.json."""
    from spec_kitty.contract.check import CheckSettings, Replay, load_fixtures
    from spec_kitty.events.validate import document_validator

    validator = document_validator("batch-request.schema.json")
    replay = Replay(CheckSettings("http://unused", "checker", "pw", PROJECT, "x"), session=None)
    good = {"04-status-change", "05-mixed-batch", "06-duplicate", "13-identity-encoding"}
    fixtures = {f["name"]: f for f in load_fixtures()}
    assert good <= set(fixtures)
    for name in sorted(good):
        for step in fixtures[name]["steps"]:
            batch = replay._filled(step["request"]["json"])
            assert list(validator.iter_errors(batch)) == [], name


def test_a_fixture_directory_with_a_broken_file_is_one_clear_error(
    checked_server, script, tmp_path
):
    (tmp_path / "01-broken.json").write_text('{"name": "broken"}')
    result = contract_check(script, checked_server, "--fixtures", str(tmp_path))
    assert result.returncode == 2
    assert "01-broken.json: expected an object with a `steps` list" in result.stderr.decode()


GOOD_STEP = {
    "request": {"method": "GET", "path": "/api/v1/sync/health/"},
    "expect": {"status": 200},
}


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("GET /", "expected an object with `request` and `expect`"),
        ({"expect": {"status": 200}}, "expected a `request` object with a string `method`"),
        ({**GOOD_STEP, "request": {"method": "GET"}}, "string `method` and `path`"),
        ({**GOOD_STEP, "expect": {"body": {}}}, "expected an `expect` object with a `status`"),
        ({**GOOD_STEP, "save": {"token": 5}}, "`save` must be an object of NAME: body key"),
        (
            {**GOOD_STEP, "expect": {"status": 200, "schema": "nope.json"}},
            "`expect.schema` 'nope.json' is not a schema in contracts/schemas/",
        ),
        (
            {**GOOD_STEP, "expect": {"status": 200, "body": {"a": {"$shape": "round"}}}},
            "expect.body.a: unknown matcher $shape",
        ),
        (
            {**GOOD_STEP, "expect": {"status": 200, "body": [{"$type": "text"}]}},
            "expect.body[0]: $type takes one of string, integer",
        ),
        (
            {**GOOD_STEP, "expect": {"status": {"$one_of": 200}}},
            "expect.status: $one_of takes a list of values, not 200",
        ),
    ],
)
def test_a_malformed_fixture_step_is_named_when_the_fixtures_load(tmp_path, step, message):
    from spec_kitty.contract.check import load_fixtures

    (tmp_path / "01-good.json").write_text(json.dumps({"steps": [GOOD_STEP]}))
    (tmp_path / "02-malformed.json").write_text(json.dumps({"steps": [GOOD_STEP, step]}))
    with pytest.raises(ScriptError) as error:
        load_fixtures(tmp_path)
    assert str(error.value).startswith("fixture 02-malformed.json step 2: ")
    assert message in str(error.value)


def test_a_fixture_with_an_unknown_matcher_is_one_line_not_a_traceback(
    checked_server, script, tmp_path
):
    step = {**GOOD_STEP, "expect": {"status": 200, "body": {"$typ": "object"}}}
    (tmp_path / "01-typo.json").write_text(json.dumps({"steps": [step]}))
    result = contract_check(script, checked_server, "--fixtures", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [
        "contract-check: fixture 01-typo.json step 1: expect.body: unknown matcher $typ "
        "(known: $type, $one_of, $contains, $absent)"
    ]


@pytest.mark.parametrize("password", ["e", "schema", "the"])
def test_a_short_or_common_password_is_blanked_whole_and_garbles_nothing(
    httpserver, script, password
):
    """A server that echoes the password back: the echo is blanked, and every other word (a
    fixture's name, the server's words) is shown as it is, so the output tells nothing of the
    password's length or letters."""
    echo = {"error": f"login refused: password {password} is wrong; see the schema"}
    httpserver.expect_request("/api/v1/token/").respond_with_json(echo, status=401)

    result = script(
        "contract-check",
        "--server",
        httpserver.url_for("").rstrip("/"),
        "--username",
        "checker",
        "--password-stdin",
        input=password + "\n",
    )

    shown = result.stdout.decode() + result.stderr.decode()
    assert result.returncode != 0
    assert f"password {password} is" not in shown
    assert "login refused: password <password> is wrong" in shown
    for word in ("refused", "wrong", "checker", "login", "01-login"):
        assert word in shown
    assert "<password>rror" not in shown and "r<password>" not in shown
