"""create-feature, setup-plan and finalize-tasks: the files, the commits, the events, the errors."""

import json
import stat

import pytest
from spec_kitty.jsonl import ScriptError
from spec_kitty.workflow.features import load_feature
from spec_kitty.workflow.planning import create_feature, finalize_tasks, setup_plan
from spec_kitty.workflow.workspace import choose_feature, open_workspace
from workflow_support import TASKS_MD, commits, committed_files, git, queued, status, write


def test_create_feature_writes_spec_and_meta_in_one_commit(project):
    result = create_feature(project, "Checkout Flow (v2)!", None)
    slug = result["feature"]
    assert slug == "001-checkout-flow-v2"
    meta = json.loads((project / "kitty-specs" / slug / "meta.json").read_text())
    assert meta["feature_number"] == "001" and meta["target_branch"] == "main"
    assert meta["mission"] == "software-dev" and meta["friendly_name"] == "Checkout Flow (v2)!"
    spec = (project / "kitty-specs" / slug / "spec.md").read_text()
    assert "Checkout Flow (v2)!" in spec and "{{" not in spec.split("<!--")[0]
    assert commits(project)[0] == f"Create feature {slug}: spec.md and meta.json"
    assert committed_files(project) == {
        f"kitty-specs/{slug}/spec.md",
        f"kitty-specs/{slug}/meta.json",
    }
    assert status(project) == ""
    (created,) = queued("FeatureCreated")
    assert created["payload"] == {
        "feature_slug": slug,
        "feature_number": "001",
        "target_branch": "main",
        "wp_count": 0,
    }
    assert queued("FeatureArtifactCreated")[0]["payload"]["artifact"] == "spec"


def test_feature_numbers_count_directories_and_branches(project):
    (project / "kitty-specs" / "002-old-idea").mkdir(parents=True)
    git(project, "branch", "007-abandoned-WP01")
    assert create_feature(project, "Next", None)["feature"] == "008-next"


def test_the_target_branch_is_the_branch_checked_out(project):
    git(project, "checkout", "-q", "-b", "2.x")
    slug = create_feature(project, "On the release line", None)["feature"]
    assert load_feature(project, slug).target_branch == "2.x"


def test_a_name_with_path_characters_stays_inside_kitty_specs(project):
    assert create_feature(project, "../../etc/passwd", None)["feature"] == "001-etc-passwd"
    assert (project / "kitty-specs" / "001-etc-passwd" / "spec.md").is_file()


@pytest.mark.parametrize("name", ["", "   ", "函数"])
def test_a_name_without_a_usable_slug_writes_nothing(project, name):
    with pytest.raises(ScriptError, match="has no ASCII letters or digits"):
        create_feature(project, name, None)
    assert not (project / "kitty-specs").exists()


def test_an_unknown_mission_is_refused_before_anything_is_written(project):
    with pytest.raises(ScriptError) as refused:
        create_feature(project, "X", "sofware-dev")
    assert str(refused.value) == (
        "unknown mission 'sofware-dev' (--mission); known missions: research, software-dev"
    )
    assert status(project) == "" and not (project / "kitty-specs").exists()


def test_a_mission_the_project_defines_is_known(project):
    write(project, ".kittify/missions/ops/mission.yaml", "name: ops\n")
    write(project, ".kittify/missions/ops/templates/spec-template.md", "# Runbook\n")
    with pytest.raises(ScriptError, match="known missions: ops, research, software-dev$"):
        create_feature(project, "X", "opps")
    assert create_feature(project, "Runbook", "ops")["mission"] == "ops"


def test_an_unknown_default_mission_names_the_project_setting(project):
    config = project / ".kittify" / "config.yaml"
    config.write_text(config.read_text().replace("software-dev", "sofware-dev"))
    with pytest.raises(ScriptError, match=r"'sofware-dev' \(workflow.default_mission in"):
        create_feature(project, "X", None)
    assert create_feature(project, "X", "research")["mission"] == "research"


def test_a_failing_commit_leaves_the_repository_as_it_was(project):
    hook = project / ".git" / "hooks" / "pre-commit"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text("#!/bin/sh\necho 'refused by policy' >&2\nexit 1\n")
    hook.chmod(hook.stat().st_mode | stat.S_IEXEC)
    before = commits(project)
    with pytest.raises(ScriptError, match="git commit failed: refused by policy"):
        create_feature(project, "Doomed", None)
    assert commits(project) == before
    assert status(project) == ""
    assert not (project / "kitty-specs").exists()
    assert queued() == []


def test_no_commit_writes_the_files_only(project):
    result = create_feature(project, "Draft", None, commit=False)
    assert result["committed"] is False
    assert "?? kitty-specs/001-draft/spec.md" in status(project)


def test_setup_plan_needs_the_spec_and_never_overwrites_without_force(project):
    slug = create_feature(project, "Checkout", None)["feature"]
    feature = load_feature(project, slug)
    setup_plan(project, feature)
    assert commits(project)[0] == f"Plan feature {slug}: plan.md"
    plan = project / "kitty-specs" / slug / "plan.md"
    plan.write_text("my plan\n")
    with pytest.raises(ScriptError, match="plan.md already exists; pass --force"):
        setup_plan(project, feature)
    assert plan.read_text() == "my plan\n"
    setup_plan(project, feature, force=True)
    assert plan.read_text() != "my plan\n"
    (project / "kitty-specs" / slug / "spec.md").unlink()
    with pytest.raises(ScriptError, match=f"{project}/kitty-specs/{slug}/spec.md not found"):
        setup_plan(project, feature, force=True)
    assert [e["payload"]["artifact"] for e in queued("FeatureArtifactCreated")] == [
        "spec",
        "plan",
        "plan",
    ]


def test_finalize_tasks_creates_prompt_files_with_frontmatter(planned):
    root, slug = planned
    tasks = root / "kitty-specs" / slug / "tasks"
    names = sorted(p.name for p in tasks.iterdir())
    assert names == ["WP01-parse-the-input.md", "WP02-write-the-output.md", "WP03-document-it.md"]
    text = (tasks / "WP03-document-it.md").read_text()
    assert text.startswith(
        "---\nwork_package_id: WP03\ntitle: Document it\nlane: planned\n"
        "dependencies: [WP01, WP02]\nsubtasks: [T004]\n---\n"
    )
    assert commits(root)[0].startswith(f"Finalize tasks of {slug}: 3 new")
    assert committed_files(root) == {f"kitty-specs/{slug}/tasks.md"} | {
        f"kitty-specs/{slug}/tasks/{n}" for n in names
    }
    created = {e["payload"]["wp_id"]: e["payload"] for e in queued("WPCreated")}
    assert created["WP02"] == {
        "wp_id": "WP02",
        "title": "Write the output",
        "feature_slug": slug,
        "dependencies": ["WP01"],
    }
    assert queued("FeatureArtifactCreated")[-1]["payload"]["artifact"] == "tasks"


def test_finalize_tasks_keeps_what_an_author_wrote(planned):
    root, slug = planned
    wp1 = root / "kitty-specs" / slug / "tasks" / "WP01-parse-the-input.md"
    wp1.write_text(wp1.read_text() + "\nAuthor's notes.\n")
    tasks_md = root / "kitty-specs" / slug / "tasks.md"
    tasks_md.write_text(TASKS_MD + "\n## WP04: Ship it\nDepends on WP03 (docs first)\n")
    result = finalize_tasks(root, load_feature(root, slug))
    assert [c["wp_id"] for c in result["created"]] == ["WP04"]
    assert wp1.read_text().endswith("Author's notes.\n")
    assert f"kitty-specs/{slug}/tasks/WP01-parse-the-input.md" in committed_files(root)
    assert status(root) == ""
    again = finalize_tasks(root, load_feature(root, slug))
    assert again["created"] == [] and again["committed"] is False


def test_unknown_dependencies_and_cycles_are_refused_with_the_chain(project):
    slug = create_feature(project, "Loops", None)["feature"]
    tasks_md = write(project, f"kitty-specs/{slug}/tasks.md", "## WP01: A\nDepends on: WP09\n")
    with pytest.raises(ScriptError, match="WP01 depends on WP09, which is not a work package"):
        finalize_tasks(project, load_feature(project, slug))
    tasks_md.write_text(
        "## WP01: A\nDepends on: WP03\n## WP02: B\nDepends on: WP01\n## WP03: C\nDepends on: WP02\n"
    )
    with pytest.raises(ScriptError, match="dependency cycle WP01 -> WP03 -> WP02 -> WP01"):
        finalize_tasks(project, load_feature(project, slug))
    assert not (project / "kitty-specs" / slug / "tasks").exists()


def test_finalize_tasks_without_tasks_md_points_at_the_template(project):
    slug = create_feature(project, "Empty", None)["feature"]
    with pytest.raises(ScriptError, match="tasks.md not found; write it first.*tasks-template.md"):
        finalize_tasks(project, load_feature(project, slug))


def test_several_features_need_an_explicit_choice(project):
    create_feature(project, "First", None)
    create_feature(project, "Second", None)
    workspace = open_workspace(project)
    with pytest.raises(ScriptError) as refused:
        choose_feature(workspace, None, "setup-plan")
    assert str(refused.value) == (
        "2 features, choose one: 001-first, 002-second; "
        "run `spec-kitty setup-plan --feature 002-second`"
    )
    assert choose_feature(workspace, "1", "x").slug == "001-first"
    assert choose_feature(workspace, "002-second", "x").slug == "002-second"
    with pytest.raises(ScriptError, match="not a feature slug"):
        choose_feature(workspace, "../001-first", "x")


def test_outside_a_project_the_error_says_to_run_init(repo, monkeypatch):
    monkeypatch.chdir(repo)
    with pytest.raises(ScriptError, match="spec-kitty init"):
        open_workspace()


def test_nothing_is_written_outside_the_repository(project, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (project / "kitty-specs").symlink_to(outside)
    with pytest.raises(ScriptError, match="is outside the repository"):
        create_feature(project, "Escape", None)
    assert list(outside.iterdir()) == []


def test_the_project_default_mission_applies_unless_one_is_given(project):
    config = project / ".kittify" / "config.yaml"
    config.write_text(config.read_text().replace("software-dev", "research"))
    assert create_feature(project, "Survey", None)["mission"] == "research"
    assert create_feature(project, "Build", "software-dev")["mission"] == "software-dev"
    survey = (project / "kitty-specs" / "001-survey" / "spec.md").read_text()
    build = (project / "kitty-specs" / "002-build" / "spec.md").read_text()
    assert survey.startswith("# Research Question: Survey")
    assert build.startswith("# Feature Specification: Build")
