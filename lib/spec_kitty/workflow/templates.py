"""Filling the runtime's templates for the workflow's files."""

from pathlib import Path

from spec_kitty.jsonl import ScriptError, warn

SPEC, PLAN, TASKS, WP_PROMPT = (
    "spec-template.md",
    "plan-template.md",
    "tasks-template.md",
    "task-prompt-template.md",
)


def template_path(name: str, mission: str, root: Path) -> Path:
    """The template `name` for `mission` as the project resolves it; TemplateError if none.

    The global runtime is first brought up to this version's defaults, so after an upgrade a
    template never comes from the previous release's copy in $KITTIFY_HOME.
    """
    from spec_kitty.runtime.resolve import resolve_template

    try:
        _ensure_current_global_runtime()
    except (ScriptError, OSError) as exc:
        warn(
            f"global runtime not updated ({exc}); templates come from what is installed, "
            "run `spec-kitty migrate` to update it"
        )
    return resolve_template(name, mission, root).path


def _ensure_current_global_runtime() -> None:
    from spec_kitty.runtime.manifest import global_runtime_is_current

    # The migrate module, with all it imports, only when there is something to update.
    if not global_runtime_is_current():
        from spec_kitty.runtime.migrate import ensure_current_global_runtime

        ensure_current_global_runtime()


def fill(name: str, mission: str, root: Path, values: dict) -> str:
    from spec_kitty.runtime.render import render_template

    text = template_path(name, mission, root).read_text(encoding="utf-8")
    return render_template(text, values)
