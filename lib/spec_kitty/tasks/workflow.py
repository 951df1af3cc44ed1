"""The workflow tasks: init, create-feature, setup-plan, finalize-tasks, implement, move-task,
review, board and queue-backfill.

Each prints what a person needs on stdout, or with --json one JSON object; warnings go to stderr.
Every task imports its modules inside its body so `spec-kitty` starts quickly.
"""

from spec_kitty.events.lanes import LANE_ALIASES, Lane, display_lane
from spec_kitty.flags import QUEUE_HELP
from spec_kitty.tasks.base import task

FEATURE = "the feature's slug or number (needed when there are several)"
NO_COMMIT = "write the files but do not commit them"
JSON = "print the result as one JSON object"
WP = "the work package, e.g. WP01"
AGENT = "who acts (default: $SPEC_KITTY_AGENT, else 'user')"


def _lane_choice(lane: Lane) -> str:
    """A lane as --to takes it: `doing (in_progress)` where a 4-lane name means it too."""
    names = [name for name, same in LANE_ALIASES.items() if same == lane]
    return f"{' or '.join(names)} ({lane.value})" if names else lane.value


LANE_CHOICES = ", ".join(_lane_choice(lane) for lane in Lane)


def _emit(result: dict, as_json: bool, text: str) -> None:
    from spec_kitty.jsonl import dumps

    print(dumps(result) if as_json else text, flush=True)


def _answer(root, as_json: bool, command, text) -> None:
    """Run `command()`, a change of the repository, and print its result (`text(result)` for
    people). The journal keeps the result until it is printed, so the command run again after
    a kill in between still answers."""
    from spec_kitty.workflow.journal import answering

    with answering(root):
        result = command()
        _emit(result, as_json, text(result))


def _workspace_feature(feature, command: str):
    from spec_kitty.workflow.workspace import choose_feature, open_workspace

    workspace = open_workspace()
    return workspace.root, choose_feature(workspace, feature, command)


@task(help={"no_commit": NO_COMMIT, "json": JSON})
def init(c, no_commit=False, json=False):
    """Make this git repository a spec-kitty project.

    Writes .kittify/config.yaml with the project identity (uuid, slug), installs the global
    runtime, ignores .worktrees/, and commits. Run again, it keeps the identity."""
    from functools import partial
    from pathlib import Path

    from spec_kitty.workflow.init import init_project

    def text(result: dict) -> str:
        state = "created" if result["created"] else "already set up; identity kept"
        return f"spec-kitty project {result['project_slug']} in {result['root']} ({state})"

    here = Path.cwd()
    _answer(here, json, partial(init_project, here, commit=not no_commit), text)


@task(
    positional=["name"],
    help={
        "name": "the feature's name, e.g. 'Checkout flow'",
        "mission": "mission whose templates to use (default: software-dev)",
        "no_commit": NO_COMMIT,
        "json": JSON,
    },
)
def create_feature(c, name, mission=None, no_commit=False, json=False):
    """Start a feature: kitty-specs/NNN-slug/ with spec.md and meta.json.

    The number is one past every feature directory and NNN-* branch; spec.md comes from the
    mission's template; the current branch becomes the feature's target branch."""
    from functools import partial

    from spec_kitty.workflow.planning import create_feature as create
    from spec_kitty.workflow.workspace import open_workspace

    root = open_workspace().root
    _answer(
        root,
        json,
        partial(create, root, name, mission, commit=not no_commit),
        lambda result: (
            f"created {result['spec']} (target branch {result['target_branch']}); "
            f"next: write the spec, then `spec-kitty setup-plan --feature {result['feature']}`"
        ),
    )


@task(
    help={
        "feature": FEATURE,
        "force": "replace an existing plan.md",
        "no_commit": NO_COMMIT,
        "json": JSON,
    }
)
def setup_plan(c, feature=None, force=False, no_commit=False, json=False):
    """Write the feature's plan.md from the plan template.

    Needs spec.md; an existing plan.md is only replaced with --force."""
    from functools import partial

    from spec_kitty.workflow.planning import setup_plan as plan

    root, chosen = _workspace_feature(feature, "setup-plan")
    _answer(
        root,
        json,
        partial(plan, root, chosen, force=force, commit=not no_commit),
        lambda result: (
            f"wrote {result['plan']}; next: write tasks.md, then "
            f"`spec-kitty finalize-tasks --feature {chosen.slug}`"
        ),
    )


@task(help={"feature": FEATURE, "no_commit": NO_COMMIT, "json": JSON})
def finalize_tasks(c, feature=None, no_commit=False, json=False):
    """Create the work-package prompt files tasks.md calls for.

    One tasks/WPnn-slug.md per `## WPnn: Title` section that has no file yet; files already
    there are kept as written. Unknown dependencies and cycles are refused."""
    from functools import partial

    from spec_kitty.workflow.planning import finalize_tasks as finalize

    def text(result: dict) -> str:
        lines = [f"created {item['path']}" for item in result["created"]]
        return "\n".join([*lines, f"{len(result['created'])} new, {len(result['kept'])} kept"])

    root, chosen = _workspace_feature(feature, "finalize-tasks")
    _answer(root, json, partial(finalize, root, chosen, commit=not no_commit), text)


@task(
    positional=["wp"],
    help={
        "wp": WP,
        "feature": FEATURE,
        "agent": AGENT,
        "force": "start although a dependency is not done (needs --reason)",
        "reason": "why the start is forced",
        "no_commit": NO_COMMIT,
        "json": JSON,
    },
)
def implement(
    c, wp, feature=None, agent=None, force=False, reason=None, no_commit=False, json=False
):
    """Start a work package in its own worktree and move it to doing.

    Creates .worktrees/NNN-slug-WPnn on branch NNN-slug-WPnn (from the target branch, or from
    the one dependency branch not yet merged), then prints the prompt to follow and any review
    feedback to address. Refuses while a dependency is not done, unless --force --reason TEXT
    (recorded in the status log as a forced move)."""
    from functools import partial

    from spec_kitty.workflow.execution import default_agent
    from spec_kitty.workflow.execution import implement as start
    from spec_kitty.workflow.slugs import wp_id

    def text(result: dict) -> str:
        branch = result["branch"] + (f" from {result['base']}" if result["base"] else "")
        forced = " (forced)" if result["forced"] else ""
        lines = [
            f"{chosen_wp} is {display_lane(result['lane'])}{forced} in {result['worktree']} "
            f"(branch {branch})",
            f"prompt: {result['prompt']}",
        ]
        if result["feedback"]:
            lines += ["", "review feedback to address:", result["feedback"]]
        return "\n".join(lines)

    chosen_wp = wp_id(wp)
    root, chosen = _workspace_feature(feature, f"implement {chosen_wp}")
    actor = agent or default_agent()
    command = partial(
        start, root, chosen, chosen_wp, actor, force=force, reason=reason, commit=not no_commit
    )
    _answer(root, json, command, text)


@task(
    positional=["wp"],
    help={
        "wp": WP,
        "to": f"target lane: {LANE_CHOICES}",
        "note": "a note for the WP's activity log (also sent as history)",
        "force": "move even where the rules or guards refuse (needs --reason)",
        "reason": "why the move is forced",
        "feature": FEATURE,
        "agent": AGENT,
        "no_commit": NO_COMMIT,
        "json": JSON,
    },
)
def move_task(
    c,
    wp,
    to=None,
    note=None,
    force=False,
    reason=None,
    feature=None,
    agent=None,
    no_commit=False,
    json=False,
):
    """Move a work package to another lane, if the lane rules and their guards allow it."""
    from functools import partial

    from spec_kitty.jsonl import ScriptError
    from spec_kitty.workflow.execution import default_agent
    from spec_kitty.workflow.execution import move_task as move
    from spec_kitty.workflow.slugs import wp_id

    chosen_wp = wp_id(wp)
    if to is None:
        raise ScriptError(f"give --to LANE, the lane to move {chosen_wp} to: {LANE_CHOICES}")

    def text(result: dict) -> str:
        forced = " (forced)" if result["forced"] else ""
        moved = f"{display_lane(result['from_lane'])} -> {display_lane(result['to_lane'])}"
        return f"{chosen_wp}: {moved}{forced}"

    root, chosen = _workspace_feature(feature, f"move-task {chosen_wp} --to {to}")
    command = partial(
        move,
        root,
        chosen,
        chosen_wp,
        to,
        agent or default_agent(),
        note=note,
        force=force,
        reason=reason,
        commit=not no_commit,
    )
    _answer(root, json, command, text)


@task(
    positional=["wp"],
    help={
        "wp": WP,
        "approve": "accept the work: for_review -> done",
        "reject": "send it back: for_review -> planned, with --feedback",
        "feedback": "file with what must change (for --reject)",
        "feature": FEATURE,
        "agent": AGENT,
        "no_commit": NO_COMMIT,
        "json": JSON,
    },
)
def review(
    c,
    wp,
    approve=False,
    reject=False,
    feedback=None,
    feature=None,
    agent=None,
    no_commit=False,
    json=False,
):
    """Approve a work package in review, or send it back with feedback.

    --approve moves it to done; --reject --feedback FILE moves it to planned and keeps the
    feedback in the WP file, where the next `implement` shows it."""
    from functools import partial
    from pathlib import Path

    from spec_kitty.jsonl import ScriptError
    from spec_kitty.workflow.execution import default_agent
    from spec_kitty.workflow.execution import review as decide
    from spec_kitty.workflow.slugs import wp_id

    if approve == reject:
        raise ScriptError("give exactly one of --approve or --reject --feedback FILE")
    chosen_wp = wp_id(wp)
    root, chosen = _workspace_feature(feature, f"review {chosen_wp}")
    command = partial(
        decide,
        root,
        chosen,
        chosen_wp,
        agent or default_agent(),
        approve=approve,
        feedback_file=Path(feedback) if feedback else None,
        commit=not no_commit,
    )
    _answer(
        root,
        json,
        command,
        lambda result: f"{chosen_wp}: {result['verdict']}, now {display_lane(result['to_lane'])}",
    )


@task(help={"feature": FEATURE, "json": JSON})
def board(c, feature=None, json=False):
    """Show a feature's work packages by lane, with their dependencies.

    Also lists every place where the files disagree with the status log (both values)."""
    from spec_kitty.workflow.board import board as build
    from spec_kitty.workflow.board import render_text
    from spec_kitty.workflow.state import load_state

    _root, chosen = _workspace_feature(feature, "board")
    data = build(load_state(chosen))
    _emit(data, json, render_text(data))


@task(
    help={
        "feature": "only this feature's log (default: every feature)",
        "queue": QUEUE_HELP,
        "json": JSON,
    }
)
def queue_backfill(c, feature=None, queue=None, json=False):
    """Queue the status changes of the status logs that the queue missed.

    Also queues the events a command could not queue and kept in the outbox
    ($SPEC_KITTY_HOME/event-outbox.jsonl). Idempotent by event_id: safe to run any time. A log
    line that is no valid event is named on stderr and skipped (exit 1); the others are queued."""
    from pathlib import Path

    from spec_kitty.jsonl import EXIT_SOME_FAILED, ScriptError
    from spec_kitty.workflow.backfill import backfill_line, backfill_with_outbox
    from spec_kitty.workflow.workspace import choose_feature, open_workspace

    workspace = open_workspace()
    only = choose_feature(workspace, feature, "queue-backfill").slug if feature else None
    result = backfill_with_outbox(workspace.root, only, Path(queue) if queue else None)
    _emit(result, json, backfill_line(result))
    if result["skipped"]:
        raise ScriptError(
            f"{result['skipped']} status log line(s) named above are not valid events and were "
            "not queued; fix or remove those lines to sync them",
            EXIT_SOME_FAILED,
        )


TASKS = [
    init,
    create_feature,
    setup_plan,
    finalize_tasks,
    implement,
    move_task,
    review,
    board,
    queue_backfill,
]
