"""Why a sync stopped before the server had settled every event: offline, throttled, a failing
server, a login to renew, or another error. batch-send tells it (`--json-stop`) as one JSON line
on stderr; sync-now's summary shows it beside what stays queued, with the step that helps.
"""

from dataclasses import asdict, dataclass

from spec_kitty.jsonl import EXIT_AUTH, ScriptError

NEXT_STEPS = {
    "offline": "run `spec-kitty sync-now` again when the server is reachable",
    "throttled": "the server asks for fewer requests: run `spec-kitty sync-now` again later",
    "server_error": (
        "run `spec-kitty sync-now` again later, and tell the server's operators if it keeps "
        "happening"
    ),
    "login_needed": "log in again with `spec-kitty auth-login`, then run `spec-kitty sync-now`",
    "stopped": "deal with the message above, then run `spec-kitty sync-now` again",
    "interrupted": "run `spec-kitty sync-now` again (what the server acknowledged is applied)",
}


@dataclass
class Stop:
    reason: str  # a key of NEXT_STEPS
    detail: str  # what happened, in a few words and without the server's address
    http_status: int | None = None
    # The server's own words (cut short, secrets blanked), when it gave any.
    server_text: str | None = None

    @property
    def next_step(self) -> str:
        return NEXT_STEPS.get(self.reason, NEXT_STEPS["stopped"])

    def describe(self) -> str:
        said = f' (the server said: "{self.server_text}")' if self.server_text else ""
        return f"{self.reason.replace('_', ' ')}: {self.detail}{said}"

    def to_dict(self) -> dict:
        return asdict(self) | {"next_step": self.next_step}


def stop_record(exc: ScriptError) -> dict:
    """The JSON line batch-send writes when `exc` ends its run: the stop, and its message."""
    from spec_kitty.sync.transport import ServerUnreachable

    if isinstance(exc, ServerUnreachable):
        stop = Stop(exc.reason, exc.detail, exc.http_status, exc.server_text)
    elif exc.exit_code == EXIT_AUTH:
        stop = Stop("login_needed", str(exc))
    else:
        stop = Stop("stopped", str(exc))
    return {"stopped": asdict(stop), "message": str(exc)}


def read_stop(record: dict) -> Stop | None:
    """The stop in a line batch-send wrote, or None when the line is not one."""
    fields = record.get("stopped")
    if not isinstance(fields, dict):
        return None
    try:
        return Stop(**fields)
    except TypeError:
        return None
