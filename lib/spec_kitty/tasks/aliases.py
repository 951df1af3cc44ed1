"""spec-kitty 2.x's spelling of our commands: `sync now` for sync-now, `agent feature
create-feature` for create-feature, and so on.

Users arrive from the 2.x CLI and type its words, so `spec-kitty` (the Program) runs each
spelling as the task it names, with the task's own flags. Where a 2.x flag of that command has an
obvious equivalent here it is accepted too (`renamed`); where it has none, it is refused with
what to use instead (`refused`), never silently ignored. This table is the one list of them:
the Program, its --list and its help all read it.
"""

from dataclasses import dataclass, field

from spec_kitty.jsonl import ScriptError

PASSWORD_ON_ARGV = (
    "a password on the command line shows in the process list; use --password-stdin or "
    "$SPEC_KITTY_PASSWORD"
)
REVIEWED_DONE = "done is reached through `spec-kitty review WPnn --approve`"


@dataclass(frozen=True)
class Alias:
    words: tuple[str, ...]
    task: str
    # 2.x flag -> our flag; None where the 2.x flag asks for what the task always does.
    renamed: dict[str, str | None] = field(default_factory=dict)
    # 2.x flag -> why it is not taken, and what to use instead.
    refused: dict[str, str] = field(default_factory=dict)

    @property
    def spelling(self) -> str:
        return " ".join(self.words)


ALIASES: tuple[Alias, ...] = (
    Alias(
        ("agent", "feature", "create-feature"),
        "create-feature",
        refused={
            "--target-branch": "the feature's target branch is the current branch; check that "
            "branch out first",
        },
    ),
    Alias(("agent", "feature", "setup-plan"), "setup-plan"),
    Alias(("agent", "feature", "finalize-tasks"), "finalize-tasks"),
    Alias(
        ("agent", "tasks", "move-task"),
        "move-task",
        renamed={
            "--auto-commit": None,
            "--no-auto-commit": "--no-commit",
        },
        refused={
            "--review-feedback-file": "send a review back with `spec-kitty review WPnn --reject "
            "--feedback FILE`",
            "--approval-ref": REVIEWED_DONE,
            "--reviewer": REVIEWED_DONE + " (the reviewer is --agent)",
            "--done-override-reason": REVIEWED_DONE + ", or forced with --force --reason TEXT",
            "--assignee": "who acts is --agent",
            "--shell-pid": "no shell is tracked",
        },
    ),
    Alias(
        ("agent", "tasks", "status"),
        "board",
        renamed={"-f": "--feature"},
        refused={
            "--stale-threshold": "the board does not judge staleness",
        },
    ),
    Alias(
        ("auth", "login"),
        "auth-login",
        renamed={
            "--force": None,  # auth-login always logs in anew
            "-f": None,
        },
        refused={
            "--password": PASSWORD_ON_ARGV,
            "-p": PASSWORD_ON_ARGV,
        },
    ),
    Alias(("auth", "logout"), "auth-logout"),
    Alias(("auth", "status"), "auth-status"),
    Alias(
        ("sync", "now"),
        "sync-now",
        renamed={"--strict": None},
        refused={
            "--no-strict": "sync-now always exits 1 when events fail, 3 offline, 4 to log in",
        },
    ),
    Alias(("sync", "status"), "sync-status", renamed={"-c": "--check"}),
    Alias(("sync", "diagnose"), "sync-diagnose"),
    Alias(("specify",), "create-feature"),
    Alias(("plan",), "setup-plan"),
    Alias(("tasks",), "finalize-tasks"),
)


@dataclass(frozen=True)
class Match:
    """Where argv's leading words lead: a whole alias, or only a group of them (`sync`)."""

    words: tuple[str, ...]
    alias: Alias | None
    rest: list[str]


def match(tokens: list[str]) -> Match | None:
    """The 2.x spelling `tokens` start with; None when they start with none."""
    words: tuple[str, ...] = ()
    for token in tokens:
        longer = (*words, token)
        whole = [alias for alias in ALIASES if alias.words == longer]
        if whole:
            return Match(longer, whole[0], tokens[len(longer) :])
        if not offered(longer):
            break
        words = longer
    return Match(words, None, tokens[len(words) :]) if words else None


def offered(group: tuple[str, ...]) -> list[Alias]:
    """The aliases spelled with `group` as their first words."""
    return [alias for alias in ALIASES if alias.words[: len(group)] == group]


def next_words(group: tuple[str, ...]) -> list[str]:
    """The words that may follow `group`, in table order: `sync` -> now, status, diagnose."""
    return list(dict.fromkeys(alias.words[len(group)] for alias in offered(group)))


def aliases_of(task: str) -> list[Alias]:
    return [alias for alias in ALIASES if alias.task == task]


def translate(alias: Alias, tokens: list[str], takes_value) -> list[str]:
    """`tokens` (what follows the alias) with 2.x flags renamed to ours; ScriptError naming a
    refused one. `takes_value(token)` tells a flag whose next token is its value, which is
    passed on untouched."""
    out: list[str] = []
    value_next = False
    for token in tokens:
        if value_next:
            out.append(token)
            value_next = False
            continue
        refused = _refused_flag(alias, token)
        if refused:
            # The token itself is never echoed: it may carry a password.
            raise ScriptError(
                f"spec-kitty {alias.spelling}: {refused} is not accepted here; "
                f"{alias.refused[refused]}"
            )
        flag, attached = _split_short(token)
        if flag in alias.renamed:
            ours = alias.renamed[flag]
            if ours and attached:
                out.append(f"{ours}={attached}")
            elif ours:
                out.append(ours)
                value_next = takes_value(ours)
            continue
        out.append(token)
        value_next = "=" not in token and takes_value(token)
    return out


def _split_short(token: str) -> tuple[str, str | None]:
    """A short flag and the value attached to it (`-f001`, `-f=001`); other tokens whole."""
    if token.startswith("-") and not token.startswith("--") and len(token) > 2:
        return token[:2], token[2:].removeprefix("=")
    return token, None


def _refused_flag(alias: Alias, token: str) -> str | None:
    if token.startswith("--"):
        flag = token.partition("=")[0]
    elif token.startswith("-"):
        flag = token[:2]  # a short flag may carry its value attached: -pVALUE
    else:
        return None
    return flag if flag in alias.refused else None
