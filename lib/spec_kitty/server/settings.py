"""Every limit and knob of the reference server, with its default: `spec-kitty serve` flags,
ReferenceServer arguments and contracts/batch-ingest.md all name these."""

from dataclasses import dataclass

DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_EVENTS = 1000
DEFAULT_MAX_JSON_DEPTH = 32
DEFAULT_MAX_NUMBER_LENGTH = 40
DEFAULT_MAX_LOGIN_BYTES = 64 * 1024
DEFAULT_LOGIN_ATTEMPTS = 10
DEFAULT_IDLE_TIMEOUT = 30
DEFAULT_CONNECTION_LIMIT = 100
DEFAULT_THREADS = 4

# A batch may hold this many JSON values (fields, list items) per event it may hold, counted before
# parsing: generous for real events, and it keeps a body of a million empty objects unparsed.
VALUES_PER_EVENT = 256


@dataclass(frozen=True)
class ServerSettings:
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_events: int = DEFAULT_MAX_EVENTS
    max_json_depth: int = DEFAULT_MAX_JSON_DEPTH
    max_number_length: int = DEFAULT_MAX_NUMBER_LENGTH
    max_login_bytes: int = DEFAULT_MAX_LOGIN_BYTES
    # Failed logins and refreshes a minute, per user and per client address, before 429.
    login_attempts: int = DEFAULT_LOGIN_ATTEMPTS
    # Batch requests per user per minute; None means no limit.
    rate_limit: int | None = None
    # Seconds a connection may stay silent (mid-request or between requests) before it is closed.
    idle_timeout: int = DEFAULT_IDLE_TIMEOUT
    connection_limit: int = DEFAULT_CONNECTION_LIMIT
    threads: int = DEFAULT_THREADS

    @property
    def max_batch_values(self) -> int:
        return self.max_events * VALUES_PER_EVENT
