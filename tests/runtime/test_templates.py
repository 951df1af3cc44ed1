"""The package defaults an agent reads: complete per mission, in the formats the workflow uses."""

import re

import pytest
import yaml
from kittify_project import SHIPPED
from spec_kitty.runtime.render import placeholders

MISSIONS = ["software-dev", "research"]
TEMPLATES = ["spec-template.md", "plan-template.md", "tasks-template.md", "task-prompt-template.md"]
COMMANDS = ["specify.md", "plan.md", "tasks.md", "implement.md", "review.md"]
WORKFLOW_NAMES = {
    "feature_name",
    "feature_slug",
    "feature_number",
    "mission",
    "target_branch",
    "created_at",
    "wp_id",
    "wp_title",
    "subtasks",
    "dependencies",
}


@pytest.mark.parametrize("mission", MISSIONS)
def test_each_mission_defines_its_artifacts_and_phases(mission):
    folder = SHIPPED / "missions" / mission
    definition = yaml.safe_load((folder / "mission.yaml").read_text())
    assert definition["key"] == mission
    assert definition["name"] and definition["description"]
    assert {"spec", "plan", "tasks", "work_packages"} <= set(definition["artifacts"])
    phases = [phase["key"] for phase in definition["phases"]]
    assert phases == ["specify", "plan", "tasks", "implement", "review"]
    for phase in definition["phases"]:
        assert (folder / "command-templates" / f"{phase['command']}.md").is_file()
        if "template" in phase:
            assert (folder / "templates" / phase["template"]).is_file()
    for name in TEMPLATES:
        assert (folder / "templates" / name).stat().st_size > 500
    for name in COMMANDS:
        assert (folder / "command-templates" / name).stat().st_size > 800


def test_templates_use_only_the_names_the_workflow_fills():
    for path in SHIPPED.rglob("*.md"):
        unknown = set(placeholders(path.read_text())) - WORKFLOW_NAMES
        assert not unknown, f"{path}: {unknown}"


@pytest.mark.parametrize("mission", MISSIONS)
def test_tasks_template_documents_and_follows_the_format_finalize_tasks_parses(mission):
    text = (SHIPPED / "missions" / mission / "templates/tasks-template.md").read_text()
    for rule in ("## WP01: ", "Depends on: none", "Depends on: WP01, WP02", "- [ ] T001 "):
        assert rule in text
    body = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    sections = re.split(r"^## (WP\d\d): .+$", body, flags=re.M)[1:]
    ids = sections[::2]
    assert ids == [f"WP{i:02d}" for i in range(1, len(ids) + 1)] and len(ids) >= 3
    subtasks = []
    for wp_id, section in zip(ids, sections[1::2], strict=True):
        depends = re.search(r"^Depends on: (.+)$", section.strip(), flags=re.M)
        assert section.strip().startswith("Depends on: "), wp_id
        named = [] if depends.group(1) == "none" else depends.group(1).split(", ")
        assert all(dep in ids[: ids.index(wp_id)] for dep in named), wp_id
        subtasks += re.findall(r"^- \[ \] (T\d{3}) ", section, flags=re.M)
    assert subtasks == [f"T{i:03d}" for i in range(1, len(subtasks) + 1)]


@pytest.mark.parametrize("mission", MISSIONS)
def test_work_package_prompt_has_no_frontmatter(mission):
    text = (SHIPPED / "missions" / mission / "templates/task-prompt-template.md").read_text()
    assert not text.startswith("---")
    assert {"wp_id", "wp_title", "subtasks", "dependencies"} <= set(placeholders(text))


def test_command_prompts_name_the_commands_an_agent_runs():
    for mission in MISSIONS:
        folder = SHIPPED / "missions" / mission / "command-templates"
        assert "spec-kitty create-feature" in (folder / "specify.md").read_text()
        assert "spec-kitty setup-plan" in (folder / "plan.md").read_text()
        assert "spec-kitty finalize-tasks" in (folder / "tasks.md").read_text()
        implement = (folder / "implement.md").read_text()
        assert "spec-kitty implement WPnn" in implement and "--to for_review" in implement
        review = (folder / "review.md").read_text()
        assert "--approve" in review and "--reject --feedback" in review


def test_the_workflow_reads_the_tasks_template_example_as_written():
    from spec_kitty.workflow.tasks_md import parse_tasks_md

    expected = {
        "software-dev": [("WP01", []), ("WP02", ["WP01"]), ("WP03", ["WP01", "WP02"])],
        "research": [("WP01", []), ("WP02", []), ("WP03", ["WP01", "WP02"])],
    }
    for mission, packages in expected.items():
        text = (SHIPPED / "missions" / mission / "templates/tasks-template.md").read_text()
        sections = parse_tasks_md(text)
        assert [(s.wp_id, s.dependencies) for s in sections] == packages
        assert [s.subtasks for s in sections] == [
            ["T001", "T002"],
            ["T003", "T004"],
            ["T005", "T006"],
        ]
