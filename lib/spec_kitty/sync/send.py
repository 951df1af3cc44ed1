"""batch-send's work: post chunks of events, settle each event from the answer, stream results.

Every chunk's result lines are written and flushed as soon as its answer arrives, so whatever the
server acknowledged is reported even if this process is stopped a moment later. Only the server's
own verdict on an event produces a result line: offline, a failing server or an expired login end
the run with nothing counted against the events that were not settled.
"""

import gzip
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import IO

from spec_kitty.jsonl import EXIT_SOME_FAILED, ScriptError
from spec_kitty.records import result_text
from spec_kitty.redact import blank_secrets, blank_secrets_in, server_text
from spec_kitty.result_tally import ResultTally
from spec_kitty.sync.auth import RELOGIN, AuthenticationNeeded, TokenKeeper
from spec_kitty.sync.categories import OVERSIZED
from spec_kitty.sync.chunks import (
    Outgoing,
    chunked,
    first_malformed,
    read_events,
    request_body,
)
from spec_kitty.sync.results import (
    Settlement,
    general_rejection,
    rejection,
    settle_refusal,
    settle_results,
)
from spec_kitty.sync.send_options import SendOptions
from spec_kitty.sync.transport import (
    SERVER_ERROR,
    STAY_QUEUED,
    RetryPolicy,
    ServerUnreachable,
    post_with_retries,
    response_text,
)

BATCH_PATH = "/api/v1/events/batch/"


@dataclass
class SendCounts(ResultTally):
    """What one batch-send run has sent and how the server settled it, for progress lines."""

    sent: int = 0
    unsettled: int = 0
    started: float = field(default_factory=time.monotonic)


class BatchSender:
    def __init__(self, options: SendOptions, tokens: TokenKeeper, session, notify):
        self.options = options
        self.url = options.server + BATCH_PATH
        self.tokens = tokens
        self.session = session
        self.notify = lambda text: notify(self.scrub(text))
        self._secrets: set[str] = set()

    def _tokens(self) -> set[str]:
        """Every token this login has had during the run: a server may quote any of them."""
        self._secrets.update((self.tokens.creds.access, self.tokens.creds.refresh))
        return self._secrets

    def _answer(self, response) -> object:
        """The JSON of `response` with every token it quotes blanked out, before any of it is cut
        short or shown."""
        return blank_secrets_in(_json(response), self._tokens())

    def settle(self, chunk: list[Outgoing]) -> Settlement:
        """The server's verdict on `chunk`. Every token the server's words quote is blanked: in
        its JSON as it is read (`_answer`), in the text of a refusal or a failure here."""
        try:
            settlement = self._settle(chunk)
        except ServerUnreachable as exc:
            raise self._scrubbed(exc) from None
        settlement.warnings = [self.scrub(warning) for warning in settlement.warnings]
        return settlement

    def scrub(self, text: str) -> str:
        return blank_secrets(text, self._tokens())

    def _said(self, text: str | None) -> str | None:
        """The server's words as shown: tokens blanked first, then one line, cut short."""
        return server_text(text, self._tokens()) if text else None

    def _scrubbed(self, exc: ServerUnreachable) -> ServerUnreachable:
        """The failure with the server's words in it, and every token it quotes blanked."""
        said = self._said(exc.server_text)
        fact = self.scrub(exc.fact) + (f' (the server said: "{said}")' if said else "")
        return ServerUnreachable(
            fact, exc.advice, exc.reason, self.scrub(exc.detail), exc.http_status, said
        )

    def _settle(self, chunk: list[Outgoing]) -> Settlement:
        """The server's verdict on `chunk`, splitting it when the server says it is too large."""
        response = self._post(chunk)
        status = response.status_code
        if 200 <= status < 300:
            items = self._answer(response)
            if not isinstance(items, dict) or not isinstance(items.get("results"), list):
                raise ServerUnreachable(
                    f"the server answered HTTP {status} without a results list",
                    f"{STAY_QUEUED}: try again later",
                    SERVER_ERROR,
                    f"HTTP {status} without a results list",
                    status,
                    response_text(response),
                )
            return settle_results(chunk, items["results"])
        if status == 413:
            return self._split(chunk, response)
        if status == 400:
            return self._refused(chunk, self._answer(response))
        if status == 403:
            body = self._answer(response)
            return Settlement(results=general_rejection(chunk, body, "forbidden"))
        said = self._said(response_text(response))
        raise ScriptError(
            f"the server answered HTTP {status} to {self.url}"
            + (f' (it said: "{said}")' if said else "")
            + "; check the server URL (`spec-kitty auth-status`). Nothing was lost, the events "
            "stay queued"
        )

    def _post(self, chunk: list[Outgoing]):
        body = gzip.compress(request_body(chunk), compresslevel=self.options.compresslevel)
        access = self.tokens.access()
        response = self._request(body, access)
        if response.status_code == 401:
            access = self.tokens.after_unauthorized(access)
            response = self._request(body, access)
            if response.status_code == 401:
                raise AuthenticationNeeded(
                    f"the server still refuses the refreshed login (HTTP 401); {RELOGIN}"
                )
        return response

    def _request(self, body: bytes, access: str):
        policy = RetryPolicy(self.options.retries, self.options.backoff, self.options.max_wait)
        return post_with_retries(
            self.session,
            self.url,
            self.options.timeout,
            policy,
            self.notify,
            data=body,
            headers={
                "Authorization": f"Bearer {access}",
                "Content-Type": "application/json",
                "Content-Encoding": "gzip",
            },
        )

    def _split(self, chunk: list[Outgoing], response) -> Settlement:
        if len(chunk) == 1:
            event = chunk[0]
            said = self._said(response_text(response))
            return Settlement(
                results=[
                    rejection(
                        event,
                        f"the event ({len(event.text)} bytes) is larger than the server accepts "
                        "(HTTP 413" + (f': "{said}")' if said else ")"),
                        "payload_too_large",
                        OVERSIZED,
                    )
                ]
            )
        self.notify(f"the server found {len(chunk)} events too large a batch; sending halves")
        middle = len(chunk) // 2
        settlement = self._settle(chunk[:middle])
        if settlement.malformed:
            settlement.unsettled += chunk[middle:]
        else:
            settlement.extend(self._settle(chunk[middle:]))
        return settlement

    def _refused(self, chunk: list[Outgoing], body: object) -> Settlement:
        settlement, summary = settle_refusal(chunk, body)
        if not settlement.results:
            broken = first_malformed(chunk)
            if broken:
                # The server could not read the batch because of a broken input line: send what
                # came before it, then stop there as for any malformed input.
                index, error = broken
                before = self._settle(chunk[:index]) if index else Settlement()
                before.unsettled += chunk[index:]
                before.malformed = before.malformed or error
                return before
            self.notify(f"the server refused a batch of {len(chunk)} (HTTP 400): {summary}")
            # Nothing singled out: the refusal is about every event in the batch.
            return Settlement(results=general_rejection(chunk, body))
        self.notify(f"the server refused a batch of {len(chunk)} (HTTP 400): {summary}")
        if settlement.unsettled:
            # The other events were refused only for travelling with the bad ones: send them again.
            again = self._settle(settlement.unsettled)
            settlement.unsettled = []
            settlement.extend(again)
        return settlement


def send_events(
    lines: Iterable[bytes],
    out: IO[str],
    options: SendOptions,
    make_sender: Callable[[], BatchSender],
    notify: Callable[[str], None],
) -> int:
    """Send every event of `lines`; write result lines per chunk; the exit code.

    The sender (login, connection) is made only when there is a first chunk to send.
    """
    tally = SendCounts()
    last_progress = tally.started
    shown = None  # the progress line last shown
    sender = None
    try:
        for chunk in chunked(read_events(lines), options.chunk_events, options.chunk_bytes):
            sender = sender or make_sender()
            settlement = sender.settle(chunk)
            if settlement.results:
                out.write("".join(map(result_text, settlement.results)))
                out.flush()
            for warning in settlement.warnings:
                notify(warning)
            tally.sent += len(chunk)
            tally.unsettled += len(settlement.unsettled)
            for line in settlement.results:
                tally.count(line["status"])
            if settlement.malformed:
                raise settlement.malformed
            if options.progress and time.monotonic() - last_progress >= options.progress_every:
                last_progress, shown = time.monotonic(), _counts(tally)
                notify(_progress(tally))
    finally:
        # A long run that showed progress also shows where it ended, unless it just did.
        if shown is not None and shown != _counts(tally):
            notify(_progress(tally))
    return EXIT_SOME_FAILED if tally.rejected or tally.unsettled else 0


def open_sender(
    options: SendOptions, allow_insecure_http: bool, notify: Callable[[str], None]
) -> BatchSender:
    """A sender for the stored login; `options.server` (None: the login's server) is resolved."""
    from spec_kitty.sync.credentials import CredentialStore
    from spec_kitty.sync.server_url import check_server_url, resolve_server
    from spec_kitty.sync.transport import open_session

    store = CredentialStore()
    stored = store.load().server_url
    server = check_server_url(resolve_server(options.server, stored), allow_insecure_http)
    options = replace(options, server=server)
    session = open_session()
    tokens = TokenKeeper(store, session, options.server, options.timeout)
    return BatchSender(options, tokens, session, notify)


def _counts(tally: SendCounts) -> tuple[int, ...]:
    return (tally.sent, tally.success, tally.duplicate, tally.rejected, tally.unsettled)


def _progress(tally: SendCounts) -> str:
    elapsed = time.monotonic() - tally.started
    return (
        f"sent {tally.sent} event(s) in {elapsed:.1f}s: {tally.success} accepted, "
        f"{tally.duplicate} duplicate, {tally.rejected} rejected, {tally.unsettled} left queued"
    )


def _json(response) -> object:
    try:
        return response.json()
    except ValueError:
        return None
