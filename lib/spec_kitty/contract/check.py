"""Replaying the contract fixtures (contracts/fixtures/*.json) against a server.

A fixture is {"name", "description", "steps": [{"request", "expect", "save"?}]}. Strings may hold
placeholders, filled fresh for every run so a fixture can be replayed against the same server:

    {{event_id:LABEL}}          a new ULID per label and run (same label, same id)
    {{uuid:LABEL}}              a new UUID per label and run, hyphenated (an event id too)
    {{uuid_hex:LABEL}}          the same as 32 hex digits, as a bare UUID event id is sent
    {{now}}                     the UTC time the fixture's replay began, ISO-8601 (the same in
                                every step, so an event sent again is the same event)
    {{project_uuid}}            a project the checking user may write to
    {{forbidden_project_uuid}}  a project the checking user may NOT write to
    {{other_project_uuid}}      a second project the checking user may write to
    {{access_token}} {{refresh_token}}   from logging in as the checking user for this fixture
    {{username}} {{password}}
    {{forged_access_token}}     a well-formed JWT signed with a key the server does not know
    {{expired_access_token}}    an expired access token the server issued (given by the caller;
                                without one, fixtures that need it are skipped)
    {{NAME}}                    a value saved by an earlier step: "save": {"NAME": "body key"}

A request is {"method", "path", "headers"?, "json"? | "raw"?, "encoding"?: "gzip" | "identity"}.
An expectation is {"status", "body"?, "headers"?, "schema"?}; see fixture_match for the body rules;
"schema" names a file in contracts/schemas/ the whole body must satisfy.
"""

import gzip
import json
import re
import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from spec_kitty.contract.fixture_match import differences, expectation_problem
from spec_kitty.events.envelope import new_event_id
from spec_kitty.jsonl import EXIT_AUTH, ScriptError
from spec_kitty.redact import blank_secrets, visible

_PLACEHOLDER = re.compile(r"\{\{([a-z_]+(?::[A-Za-z0-9_-]+)?)\}\}")
SECRET_NAMES = ("access_token", "refresh_token", "expired_access_token", "password")
_TOKEN_KEYS = ("access", "refresh")

PASS, FAIL, SKIP = "pass", "fail", "skip"
# What follows transport's words for a server that cannot be reached, in place of the sync's.
NOT_CHECKED = "the check stopped there: run contract-check again when the server is reachable"
DEFAULT_OTHER_PROJECT = "00000000-0000-4000-8000-00000000002a"

# A fresh value per label and run, by placeholder kind.
_FRESH = {
    "event_id": new_event_id,
    "uuid": lambda: str(uuid.uuid4()),
    "uuid_hex": lambda: uuid.uuid4().hex,
}


@dataclass
class CheckSettings:
    server: str
    username: str
    password: str
    project_uuid: str
    forbidden_project_uuid: str
    other_project_uuid: str = DEFAULT_OTHER_PROJECT
    expired_access_token: str | None = None
    # A CA file for this check; None trusts the system's CAs, or REQUESTS_CA_BUNDLE / SSL_CERT_FILE.
    ca_cert: str | None = None
    timeout: float = 30.0


def fixtures_dir() -> Path:
    from spec_kitty.shipped import shipped_dir

    return shipped_dir("contracts") / "fixtures"


def load_fixtures(directory: Path | None = None) -> list[dict]:
    """Every fixture of `directory`, in file-name order."""
    fixtures = []
    for path in sorted((directory or fixtures_dir()).glob("*.json")):
        try:
            fixture = json.loads(path.read_text())
        except ValueError as exc:
            raise ScriptError(f"fixture {path.name} is not valid JSON: {exc}") from None
        if not isinstance(fixture, dict) or not isinstance(fixture.get("steps"), list):
            raise ScriptError(f"fixture {path.name}: expected an object with a `steps` list")
        for number, step in enumerate(fixture["steps"], 1):
            problem = _step_problem(step)
            if problem:
                raise ScriptError(f"fixture {path.name} step {number}: {problem}")
        fixture.setdefault("name", path.stem)
        fixtures.append(fixture)
    return fixtures


def _step_problem(step: object) -> str | None:
    """What a step lacks or holds in the wrong shape, so a broken fixture is named when loaded
    rather than failing halfway through a run."""
    if not isinstance(step, dict):
        return "expected an object with `request` and `expect`"
    request, expect = step.get("request"), step.get("expect")
    if not isinstance(request, dict) or not all(
        isinstance(request.get(key), str) for key in ("method", "path")
    ):
        return "expected a `request` object with a string `method` and `path`"
    if not _strings_by_name(request.get("headers", {})):
        return "`request.headers` must be an object of strings"
    if not isinstance(request.get("raw", ""), str):
        return "`request.raw` must be a string"
    if not isinstance(expect, dict) or "status" not in expect:
        return "expected an `expect` object with a `status`"
    if not isinstance(expect.get("headers", {}), dict):
        return "`expect.headers` must be an object"
    if "schema" in expect and not (
        isinstance(expect["schema"], str) and expect["schema"] in _schema_names()
    ):
        return f"`expect.schema` {expect['schema']!r} is not a schema in contracts/schemas/"
    if not _strings_by_name(step.get("save", {})):
        return "`save` must be an object of NAME: body key"
    return expectation_problem(
        {key: expect[key] for key in ("status", "body", "headers") if key in expect}, "expect"
    )


def _strings_by_name(value: object) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


@cache
def _schema_names() -> set[str]:
    from spec_kitty.events import contract

    root = contract.schemas_dir()
    return {str(path.relative_to(root)) for path in root.rglob("*.schema.json")}


def check_all(settings: CheckSettings, fixtures: list[dict]) -> Iterator[dict]:
    """One outcome per fixture: {"fixture", "status": pass | fail | skip, ...}."""
    from spec_kitty.sync.transport import open_session

    with open_session() as session:
        for fixture in fixtures:
            yield Replay(settings, session).check(fixture)


class Replay:
    """One run of one fixture: its placeholder values and the session it sends with."""

    def __init__(self, settings: CheckSettings, session):
        self.settings = settings
        self.session = session
        self.values: dict[str, object] = {
            "project_uuid": settings.project_uuid,
            "forbidden_project_uuid": settings.forbidden_project_uuid,
            "other_project_uuid": settings.other_project_uuid,
            "username": settings.username,
            "password": settings.password,
            "forged_access_token": _forged_token(settings.username),
            "now": datetime.now(UTC).isoformat(),
        }
        if settings.expired_access_token:
            self.values["expired_access_token"] = settings.expired_access_token

    def check(self, fixture: dict) -> dict:
        outcome = {"fixture": fixture["name"]}
        text = json.dumps(fixture)
        if "{{expired_access_token}}" in text and "expired_access_token" not in self.values:
            return {
                **outcome,
                "status": SKIP,
                "reason": "needs an expired access token issued by this server "
                "(SPEC_KITTY_CONTRACT_EXPIRED_TOKEN)",
            }
        if "{{access_token}}" in text or "{{refresh_token}}" in text:
            self._log_in()
        for number, step in enumerate(fixture["steps"], 1):
            request = self._filled(step["request"])
            response = self._send(request)
            found = _body(response)
            diffs = self._step_differences(self._filled(step["expect"]), response, found)
            if diffs:
                return {
                    **outcome,
                    "status": FAIL,
                    "step": number,
                    "request": f"{request['method']} {request['path']}",
                    "differences": self._redacted(diffs),
                }
            for name, key in step.get("save", {}).items():
                self.values[name] = found.get(key) if isinstance(found, dict) else None
        return {**outcome, "status": PASS, "steps": len(fixture["steps"])}

    def _log_in(self) -> None:
        response = self._send(
            {
                "method": "POST",
                "path": "/api/v1/token/",
                "json": {"username": self.settings.username, "password": self.settings.password},
            }
        )
        body = _body(response)
        if response.status_code != 200 or not isinstance(body, dict) or "access" not in body:
            error = self._redacted(body.get("error")) if isinstance(body, dict) else None
            raise ScriptError(
                f"login as {self.settings.username!r} at {self.settings.server} failed: "
                f"HTTP {response.status_code} {visible(str(error or ''))}".rstrip(),
                EXIT_AUTH,
            )
        self.values["access_token"] = body["access"]
        self.values["refresh_token"] = body["refresh"]

    def _filled(self, template: object) -> object:
        if isinstance(template, dict):
            return {key: self._filled(value) for key, value in template.items()}
        if isinstance(template, list):
            return [self._filled(value) for value in template]
        if isinstance(template, str):
            return _PLACEHOLDER.sub(lambda m: str(self._value(m.group(1))), template)
        return template

    def _value(self, name: str) -> object:
        kind, labelled, _label = name.partition(":")
        if labelled and kind in _FRESH and name not in self.values:
            self.values[name] = _FRESH[kind]()
        if name not in self.values:
            raise ScriptError(f"fixture uses {{{{{name}}}}}, which no earlier step saved")
        return self.values[name]

    def _send(self, request: dict):
        from spec_kitty.sync.transport import ServerUnreachable, send

        headers = dict(request.get("headers", {}))
        data = None
        if "json" in request:
            data = json.dumps(request["json"]).encode()
            headers.setdefault("Content-Type", "application/json")
            if request.get("encoding", "identity") == "gzip":
                data = gzip.compress(data)
                headers["Content-Encoding"] = "gzip"
        elif "raw" in request:
            data = request["raw"].encode()
        url = self.settings.server.rstrip("/") + request["path"]
        try:
            return send(
                self.session,
                request["method"],
                url,
                self.settings.timeout,
                data=data,
                headers=headers,
                verify=self.settings.ca_cert,
            )
        except ServerUnreachable as exc:
            raise exc.advised(NOT_CHECKED) from None

    def _step_differences(self, expect: dict, response, found: object) -> list[dict]:
        diffs = differences(expect["status"], response.status_code, "status")
        for name, wanted in expect.get("headers", {}).items():
            diffs += differences(wanted, response.headers.get(name), f"headers.{name}")
        if "body" in expect:
            diffs += differences(expect["body"], found)
        if "schema" in expect:
            from spec_kitty.events.validate import document_validator

            for error in document_validator(expect["schema"]).iter_errors(found):
                where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path)
                diffs.append(
                    {"path": f"body{where}", "expected": f"{expect['schema']}: {error.message}"}
                )
        return diffs

    def _redacted(self, value: object) -> object:
        """`value` with every secret this run knows replaced by its placeholder name."""
        secrets_by_value = {
            str(self.values[name]): f"<{name}>" for name in SECRET_NAMES if name in self.values
        }
        saved = [k for k in self.values if k not in SECRET_NAMES and "token" in k]
        secrets_by_value.update({str(self.values[k]): f"<{k}>" for k in saved})
        return _redact(value, secrets_by_value)


def _redact(value: object, known: dict[str, str]) -> object:
    if isinstance(value, dict):
        return {
            k: "<redacted>" if k in _TOKEN_KEYS and isinstance(v, str) else _redact(v, known)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact(v, known) for v in value]
    if isinstance(value, str):
        for secret, name in known.items():
            value = blank_secrets(value, [secret], name)
    return value


def _body(response) -> object:
    try:
        return response.json()
    except ValueError:
        return {"unparsed_body": response.text[:500]}


def _forged_token(username: str) -> str:
    import jwt

    now = int(time.time())
    claims = {
        "sub": username,
        "token_type": "access",
        "aud": "spec-kitty-sync",
        "iat": now,
        "exp": now + 600,
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, secrets.token_hex(32), algorithm="HS256")
