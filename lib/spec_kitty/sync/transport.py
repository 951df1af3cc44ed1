"""HTTP to the sync server: one keep-alive session, network faults as exit 3, polite retries.

Imported only by the processes that talk to the server (it pulls in requests).
"""

import os
import random
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import requests

from spec_kitty import __version__
from spec_kitty.jsonl import EXIT_OFFLINE, ScriptError
from spec_kitty.sync.send_options import DEFAULTS

RETRYABLE = {429, 500, 502, 503, 504}
# What the sync says after any of these: the caller of a login says something else.
STAY_QUEUED = "nothing was lost, the events stay queued"
# Most of a server's own words shown beside a refusal.

OFFLINE, THROTTLED, SERVER_ERROR = "offline", "throttled", "server_error"


class ServerUnreachable(ScriptError):
    """Offline, DNS failure, timeout, or a server that keeps failing: nothing was lost.

    `fact` says what happened (naming the URL) and `advice` what to do, which depends on what
    was being done; `reason` (offline, throttled, server_error), `detail` (the fact without the
    URL), `http_status` and `server_text` (the server's own words) are for programs.
    """

    exit_code = EXIT_OFFLINE

    def __init__(
        self,
        fact: str,
        advice: str,
        reason: str = OFFLINE,
        detail: str = "",
        http_status: int | None = None,
        server_text: str | None = None,
    ):
        super().__init__(f"{fact}; {advice}")
        self.fact, self.advice, self.reason, self.detail = fact, advice, reason, detail or fact
        self.http_status, self.server_text = http_status, server_text

    def advised(self, advice: str) -> "ServerUnreachable":
        """The same failure with other advice."""
        return ServerUnreachable(
            self.fact, advice, self.reason, self.detail, self.http_status, self.server_text
        )


@dataclass
class RetryPolicy:
    """Bounded retries for 429 and 5xx: exponential backoff with jitter, Retry-After honoured.

    `max_wait` bounds the total sleeping of one request, so a sync never hangs for long.
    """

    retries: int = DEFAULTS.retries
    base: float = DEFAULTS.backoff
    max_wait: float = DEFAULTS.max_wait
    waited: float = field(default=0.0, init=False)

    def next_delay(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before retry number `attempt` (0-based), or None to give up."""
        if attempt >= self.retries:
            return None
        delay = retry_after if retry_after is not None else self.base * 2**attempt
        delay *= random.uniform(1.0, 1.25) if retry_after is not None else random.uniform(0.5, 1.0)
        if self.waited + delay > self.max_wait:
            return None
        self.waited += delay
        return delay


def open_session() -> requests.Session:
    """A keep-alive session. A private CA is trusted through REQUESTS_CA_BUNDLE (or CURL_CA_BUNDLE,
    both read by requests itself) or SSL_CERT_FILE, which requests alone would ignore."""
    session = requests.Session()
    session.headers["User-Agent"] = f"spec-kitty-toolkit/{__version__}"
    ca_file = os.environ.get("SSL_CERT_FILE")
    if ca_file and not (os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")):
        session.verify = ca_file
    return session


def post(
    session: requests.Session,
    url: str,
    timeout: float,
    **kwargs,
) -> requests.Response:
    """POST once; network failures become ServerUnreachable with a message saying what to do."""
    return send(session, "POST", url, timeout, **kwargs)


def get(session: requests.Session, url: str, timeout: float, **kwargs) -> requests.Response:
    """GET once, with the same handling of network failures as `post`."""
    return send(session, "GET", url, timeout, **kwargs)


def send(
    session: requests.Session, method: str, url: str, timeout: float, **kwargs
) -> requests.Response:
    """One request of any method; network failures become ServerUnreachable, whose advice
    speaks of the sync (a caller doing something else gives its own with `advised`)."""
    try:
        # Never follow a redirect: events and tokens go to the configured server or nowhere.
        return session.request(method, url, timeout=timeout, allow_redirects=False, **kwargs)
    except requests.exceptions.SSLError as exc:
        raise ServerUnreachable(
            f"TLS handshake with {url} failed ({_reason(exc)}); for a private CA set "
            "REQUESTS_CA_BUNDLE=/path/to/ca.pem",
            STAY_QUEUED,
            detail=f"TLS handshake failed ({_reason(exc)})",
        ) from None
    except requests.exceptions.Timeout:
        raise ServerUnreachable(
            f"the server at {url} did not answer within {timeout:g}s",
            f"{STAY_QUEUED}: run `spec-kitty sync-now` again later",
            detail=f"no answer within {timeout:g}s",
        ) from None
    except requests.exceptions.ConnectionError as exc:
        raise ServerUnreachable(
            f"offline: cannot reach {url} ({_reason(exc)})",
            f"{STAY_QUEUED}: run `spec-kitty sync-now` again when the server is reachable",
            detail=f"cannot reach the server ({_reason(exc)})",
        ) from None


def post_with_retries(
    session: requests.Session,
    url: str,
    timeout: float,
    policy: RetryPolicy,
    notify,
    **kwargs,
) -> requests.Response:
    """POST, retrying 429 and 5xx answers; the last answer if it is not one of those."""
    attempt = 0
    while True:
        response = post(session, url, timeout, **kwargs)
        if response.status_code not in RETRYABLE:
            return response
        delay = policy.next_delay(attempt, retry_after(response))
        if delay is None:
            status = response.status_code
            raise ServerUnreachable(
                f"the server at {url} kept answering HTTP {status} ({attempt + 1} attempt(s))",
                f"{STAY_QUEUED}: run `spec-kitty sync-now` again later",
                THROTTLED if status == 429 else SERVER_ERROR,
                f"HTTP {status} after {attempt + 1} attempt(s)",
                status,
                response_text(response),
            )
        notify(f"server answered HTTP {response.status_code}; retrying in {delay:.1f}s")
        time.sleep(delay)
        attempt += 1


def response_text(response: requests.Response) -> str | None:
    """The server's own words in an answer, on one line: a JSON body's error, detail or message,
    else the body's text. Whole, so that secrets can be blanked before it is cut short
    (spec_kitty.redact.server_text)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    said = None
    if isinstance(body, dict):
        said = next(
            (body[k] for k in ("error", "detail", "message") if isinstance(body.get(k), str)), None
        )
    if said is None:
        said = response.text
    return " ".join(said.split()) or None


def retry_after(response: requests.Response) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _reason(exc: Exception) -> str:
    """The innermost cause of a requests failure, in a few words."""
    text = str(exc)
    for marker in (
        "Connection refused",
        "Name or service not known",
        "nodename nor servname",
        "Temporary failure in name resolution",
        "Connection reset",
        "Remote end closed connection without response",
        "timed out",
        "certificate verify failed",
        "No route to host",
        "Network is unreachable",
    ):
        if marker in text:
            return marker.lower()
    return text if len(text) < 160 else text[:157] + "..."
