"""Tasks of the SaaS sync: logging in and out, login status, and syncing the queue now."""

from spec_kitty.flags import QUEUE_HELP
from spec_kitty.jsonl import ScriptError
from spec_kitty.sync.send_options import DEFAULTS as SEND_DEFAULTS
from spec_kitty.sync.send_options import flag_help
from spec_kitty.tasks.base import number, task

USERNAME_ENV = "SPEC_KITTY_USERNAME"
PASSWORD_ENV = "SPEC_KITTY_PASSWORD"


@task(
    help={
        "server": "server URL (default: the stored login's, SPEC_KITTY_SERVER_URL, or 2.x config)",
        "username": f"user name (default: ${USERNAME_ENV}, else asked)",
        "password_stdin": f"read the password from stdin (default: ${PASSWORD_ENV}, else asked)",
        "allow_insecure_http": "allow http:// to a host other than this machine",
        "timeout": flag_help("timeout"),
    }
)
def auth_login(
    c,
    server=None,
    username=None,
    password_stdin=False,
    allow_insecure_http=False,
    timeout=SEND_DEFAULTS.timeout,
):
    """Log in to the sync server; the tokens go to ~/.spec-kitty/credentials.

    The file is the one spec-kitty 2.x uses, so one login serves both. The password is never
    stored or shown.
    """
    import os
    import sys
    from getpass import getpass

    from spec_kitty.homes import ensure_private_dir
    from spec_kitty.jsonl import ScriptError, warn
    from spec_kitty.sync.auth import login
    from spec_kitty.sync.credentials import CredentialsError, CredentialStore
    from spec_kitty.sync.server_url import check_server_url, resolve_server
    from spec_kitty.sync.transport import open_session

    store = CredentialStore()
    try:
        stored = store.load().server_url if store.exists() else None
    except CredentialsError:
        stored = None
    url = check_server_url(resolve_server(server, stored), allow_insecure_http)
    # A folder the tokens could not be kept safe in is refused before the password is sent.
    ensure_private_dir(store.path.parent)
    try:
        username = username or os.environ.get(USERNAME_ENV) or input("Username: ").strip()
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = os.environ.get(PASSWORD_ENV) or getpass("Password: ")
    except EOFError:
        username = password = ""
    if not username or not password:
        raise ScriptError(
            f"a user name and a password are needed to log in (--username or ${USERNAME_ENV}; "
            f"--password-stdin or ${PASSWORD_ENV})"
        )
    creds = login(open_session(), url, username, password, float(timeout))
    with store.locked():
        store.save(creds)
    team = f" (team {creds.team_slug})" if creds.team_slug else ""
    warn(f"Logged in to {url} as {creds.username}{team}; tokens stored in {store.path}")


@task
def auth_logout(c):
    """Forget the stored login (removes ~/.spec-kitty/credentials, for spec-kitty 2.x too)."""
    from spec_kitty.jsonl import warn
    from spec_kitty.sync.credentials import CredentialStore

    store = CredentialStore()
    with store.locked():
        removed = store.clear()
    warn(f"Logged out (removed {store.path})" if removed else "Not logged in")


@task(help={"json": "print the status as one JSON object"})
def auth_status(c, json=False):
    """Show who is logged in, to which server, and when each token expires.

    The tokens themselves are never shown. Exits 4 when not logged in or the login has expired.
    """
    from invoke import Exit

    from spec_kitty.jsonl import EXIT_AUTH, dumps
    from spec_kitty.sync.health import stored_login

    login = stored_login()
    print(dumps(login.to_dict()) if json else "\n".join(login.lines()))
    if login.expired:
        raise Exit(code=EXIT_AUTH)


@task(
    help={
        "report": "write per-event failure details to this JSON file",
        "json": "print the summary as one JSON object instead of text",
        "server": "server URL (default: the stored login's)",
        "allow_insecure_http": "allow http:// to a host other than this machine",
        "queue": QUEUE_HELP,
        "chunk_size": flag_help("chunk_events"),
        "timeout": flag_help("timeout"),
        "retries": flag_help("retries"),
        "max_wait": flag_help("max_wait"),
        "max_rejections": "rejections before an event is dead-lettered (default 5)",
    }
)
def sync_now(
    c,
    report=None,
    json=False,
    server=None,
    allow_insecure_http=False,
    queue=None,
    chunk_size=None,
    timeout=None,
    retries=None,
    max_wait=None,
    max_rejections=None,
):
    """Send every queued event to the sync server now.

    Queues what waits in the outbox first, then runs queue-export | collapse-lanes | batch-send |
    queue-ack and ends with `Synced: N, Duplicates: N, Failed: N (reason: ...)`, a next step per
    failure category, what stays queued and why, and what is dead-lettered. The flags, the
    --report path and the queue are checked before anything is sent.
    Exit 0 all synced; 1 some failed, or some wait on you (dead-lettered, held, a damaged queue
    file); 2 bad usage; 3 offline (nothing lost); 4 log in again; 5 queue or sync lock busy;
    130 interrupted (what the server acknowledged is applied).
    """
    from pathlib import Path

    from invoke import Exit

    from spec_kitty.jsonl import dumps, warn
    from spec_kitty.sync.pipeline import SyncOptions, run_sync
    from spec_kitty.sync.send_options import with_given
    from spec_kitty.sync.summary import check_report_path

    options = SyncOptions(
        queue=queue,
        send=with_given(
            server=server,
            chunk_events=_given("chunk-size", chunk_size, int, 1),
            timeout=_given("timeout", timeout),
            retries=_given("retries", retries, int),
            max_wait=_given("max-wait", max_wait),
        ),
        allow_insecure_http=allow_insecure_http,
        max_rejections=_given("max-rejections", max_rejections, int, 1),
        keep_failures=bool(report),
    )
    if report:
        check_report_path(Path(report))
    summary = run_sync(options, warn)
    if json:
        print(dumps(summary.as_dict()))
    else:
        print("\n".join(summary.lines()))
    if report:
        summary.write_report(Path(report))
    if summary.exit_code:
        raise Exit(code=summary.exit_code)


def _given(flag: str, value, kind: type = float, minimum: float = 0):
    """A flag's value checked before the sync starts; None when not given."""
    if value is None:
        return None
    try:
        checked = number(flag, value, kind, minimum)
        if checked == float("inf"):
            raise ScriptError(f"--{flag} expects a finite number, got {value!r}")
    except ScriptError as exc:
        raise ScriptError(f"{exc}; nothing was sent") from None
    return checked


TASKS = [auth_login, auth_logout, auth_status, sync_now]
