"""Filling the runtime's templates for the workflow's files."""

from pathlib import Path

SPEC, PLAN, TASKS, WP_PROMPT = (
    "spec-template.md",
    "plan-template.md",
    "tasks-template.md",
    "task-prompt-template.md",
)


def template_path(name: str, mission: str, root: Path) -> Path:
    """The template `name` for `mission` as the project resolves it; TemplateError if none."""
    from spec_kitty.runtime.resolve import resolve_template

    return resolve_template(name, mission, root).path


def fill(name: str, mission: str, root: Path, values: dict) -> str:
    from spec_kitty.runtime.render import render_template

    text = template_path(name, mission, root).read_text(encoding="utf-8")
    return render_template(text, values)
