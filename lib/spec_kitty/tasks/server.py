"""Tasks of the reference ingest server: run it, list what it stored, end a user's logins."""

from pathlib import Path

from spec_kitty.server import settings
from spec_kitty.tasks.base import number, task

SERVER_DB = "reference-server.db"


def _default_db():
    from spec_kitty.homes import spec_kitty_home

    return spec_kitty_home() / SERVER_DB


@task(
    help={
        "host": "address to bind (default 127.0.0.1; anything else exposes the server)",
        "port": "port to listen on (default 8000; 0 picks a free one)",
        "db": f"SQLite file of stored events (default: $SPEC_KITTY_HOME/{SERVER_DB})",
        "user": "a user as NAME:PASSWORD (repeatable); other local users can read it in `ps`,"
        " so prefer --users-file or --user-stdin",
        "user_stdin": "read users as NAME:PASSWORD lines from stdin, until end of input",
        "users_file": "JSON or TOML file of users, projects and team slugs (see contracts/);"
        " read again when it changes, and a changed password ends that user's logins",
        "project": "limit a user to a project as NAME:PROJECT_UUID (repeatable; default: all)",
        "tls_cert": "PEM certificate: serve https (spec-kitty 2.x clients need it)",
        "tls_key": "PEM private key for --tls-cert",
        "access_lifetime": "access token lifetime in seconds (default 900)",
        "refresh_lifetime": "how long a login lasts, refreshes included, in seconds"
        " (default 604800)",
        "max_body_bytes": "largest batch body, sent or uncompressed"
        f" (default {settings.DEFAULT_MAX_BODY_BYTES})",
        "max_events": f"most events in one batch (default {settings.DEFAULT_MAX_EVENTS})",
        "max_json_depth": "deepest nesting of objects and lists in a body"
        f" (default {settings.DEFAULT_MAX_JSON_DEPTH})",
        "max_number_length": "longest number in a body, in characters"
        f" (default {settings.DEFAULT_MAX_NUMBER_LENGTH})",
        "max_login_bytes": "largest login or refresh body"
        f" (default {settings.DEFAULT_MAX_LOGIN_BYTES})",
        "login_attempts": "failed logins and refreshes a minute, per user and per client"
        f" address, before 429 (default {settings.DEFAULT_LOGIN_ATTEMPTS})",
        "rate_limit": "batches per user per minute before 429 (default: no limit)",
        "idle_timeout": "seconds a connection may stay silent before it is closed"
        f" (default {settings.DEFAULT_IDLE_TIMEOUT})",
        "connection_limit": "most connections at once"
        f" (default {settings.DEFAULT_CONNECTION_LIMIT})",
        "threads": f"requests handled at once (default {settings.DEFAULT_THREADS})",
        "log_requests": "print one line per request on stderr",
    },
    iterable=["user", "project"],
    auto_shortflags=False,
)
def serve(
    c,
    host="127.0.0.1",
    port=8000,
    db=None,
    user=None,
    user_stdin=False,
    users_file=None,
    project=None,
    tls_cert=None,
    tls_key=None,
    access_lifetime=900,
    refresh_lifetime=7 * 24 * 3600,
    max_body_bytes=settings.DEFAULT_MAX_BODY_BYTES,
    max_events=settings.DEFAULT_MAX_EVENTS,
    max_json_depth=settings.DEFAULT_MAX_JSON_DEPTH,
    max_number_length=settings.DEFAULT_MAX_NUMBER_LENGTH,
    max_login_bytes=settings.DEFAULT_MAX_LOGIN_BYTES,
    login_attempts=settings.DEFAULT_LOGIN_ATTEMPTS,
    rate_limit=None,
    idle_timeout=settings.DEFAULT_IDLE_TIMEOUT,
    connection_limit=settings.DEFAULT_CONNECTION_LIMIT,
    threads=settings.DEFAULT_THREADS,
    log_requests=False,
):
    """Run the reference ingest server (the SaaS stand-in) in the foreground until Ctrl-C."""
    import signal
    import sys

    from spec_kitty.jsonl import ScriptError, warn
    from spec_kitty.server import ReferenceServer
    from spec_kitty.server.users import load_users_file, users_from_flags

    user_lines = list(user or [])
    if user_stdin:
        user_lines += [line.rstrip("\r\n") for line in sys.stdin if line.strip()]
    if not user_lines and not users_file:
        raise ScriptError(
            "give --users-file FILE, --user-stdin (NAME:PASSWORD lines) or --user NAME:PASSWORD"
        )
    if users_file:
        load_users_file(users_file)  # a broken file is an error now, not at the first request
    server = ReferenceServer(
        db or _default_db(),
        users=users_from_flags(user_lines, project or []),
        users_file=users_file,
        host=host,
        port=number("port", port, int),
        access_lifetime=number("access-lifetime", access_lifetime, int, 1),
        refresh_lifetime=number("refresh-lifetime", refresh_lifetime, int, 1),
        max_body_bytes=number("max-body-bytes", max_body_bytes, int, 1),
        max_events=number("max-events", max_events, int, 1),
        max_json_depth=number("max-json-depth", max_json_depth, int, 1),
        max_number_length=number("max-number-length", max_number_length, int, 1),
        max_login_bytes=number("max-login-bytes", max_login_bytes, int, 1),
        login_attempts=number("login-attempts", login_attempts, int, 1),
        rate_limit=number("rate-limit", rate_limit, int, 1) if rate_limit is not None else None,
        idle_timeout=number("idle-timeout", idle_timeout, int, 1),
        connection_limit=number("connection-limit", connection_limit, int, 1),
        threads=number("threads", threads, int, 1),
        tls_cert=tls_cert,
        tls_key=tls_key,
        quiet=not log_requests,
    )
    try:
        server.bind()
    except OSError as exc:
        raise ScriptError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    # Ctrl-C ends the server quietly; a TERM (from a script or CI) ends it the same, even one
    # sent the moment the address below is printed.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        warn(f"reference server on {server.url} (events in {server.store.path})")
        warn(f"users: {', '.join(sorted(server.users.current()))}; Ctrl-C stops it")
        if host not in ("127.0.0.1", "localhost", "::1"):
            warn(f"warning: bound to {host}, reachable from other machines")
        server.serve_forever()
    except KeyboardInterrupt:
        server.stop()
    warn("stopped")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


@task(
    help={
        "db": f"SQLite file of the server (default: $SPEC_KITTY_HOME/{SERVER_DB})",
        "project": "only events of this project UUID",
        "after": "only events stored after this sequence number",
        "limit": "at most this many events",
        "json": "one JSON object per stored event on stdout instead of a table",
    }
)
def server_events(c, db=None, project=None, after=0, limit=None, json=False):
    """List the events the reference server stored, in arrival order."""
    import sys

    from spec_kitty.jsonl import dumps, warn
    from spec_kitty.server.store import read_stored_events

    path = db or _default_db()
    rows = read_stored_events(
        path,
        [project] if project else None,
        after=int(after),
        limit=number("limit", limit, int) if limit is not None else None,
    )
    for row in rows:
        if json:
            sys.stdout.write(dumps(row) + "\n")
        else:
            event = row["event"]
            sys.stdout.write(
                f"{row['seq']:>7}  {row['received_at'][:19]}  {row['username']:<12} "
                f"{event.get('event_type', ''):<22} {event.get('aggregate_id', ''):<20} "
                f"{event.get('event_id', '')}\n"
            )
    warn(f"{len(rows)} stored event(s) listed from {path}")


@task(
    help={
        "db": f"SQLite file of the server (default: $SPEC_KITTY_HOME/{SERVER_DB})",
    }
)
def server_revoke(c, username, db=None):
    """End every login of USERNAME on the reference server, running or not: their access and
    refresh tokens are refused from the next request on."""
    from spec_kitty.jsonl import ScriptError, warn
    from spec_kitty.server.store import EventStore

    path = Path(db) if db else _default_db()
    if not path.is_file():
        raise ScriptError(f"{path} is not a reference-server database")
    store = EventStore(path)
    try:
        ended = store.end_sessions(username)
    finally:
        store.close()
    warn(f"ended {ended} login(s) of {username!r} in {path}; they must log in again")


TASKS = [serve, server_events, server_revoke]
