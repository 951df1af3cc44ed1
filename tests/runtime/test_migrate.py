"""`migrate`: the global runtime installed once, 1.x projects reduced to their real overrides."""

import json
import os
import subprocess
import sys
import warnings

import pytest
from kittify_project import (
    CONFIG_YAML,
    CUSTOM_PLAN,
    CUSTOM_RESEARCH_PLAN,
    CUSTOM_REVIEW,
    EXPECTED_ACTIONS,
    SD,
    shipped,
    tree,
    write_fresh_project,
    write_legacy_project,
)
from spec_kitty.jsonl import ScriptError
from spec_kitty.runtime.legacy import LEGACY, MIGRATED, project_state
from spec_kitty.runtime.manifest import (
    content_hash,
    known_default_hashes,
    read_manifest,
    shipped_files,
)
from spec_kitty.runtime.migrate import (
    MigrationConflict,
    action_records,
    ensure_global_runtime,
    mark_project_migrated,
    migrate_project,
    plan_project,
    raise_conflicts,
)
from spec_kitty.runtime.render import render_template
from spec_kitty.runtime.resolve import resolve_mission, resolve_template


@pytest.fixture
def home(isolated_homes):
    return isolated_homes / ".kittify"


@pytest.fixture
def legacy(tmp_path):
    return write_legacy_project(tmp_path / "shop")


def migrate(root, notes=None, dry_run=False):
    say = notes.append if notes is not None else lambda _: None
    return ensure_global_runtime(notify=say, dry_run=dry_run), migrate_project(
        root, notify=say, dry_run=dry_run
    )


def by_path(report):
    return {action["path"]: action for action in report["actions"]}


def test_first_migration_classifies_every_file_and_keeps_only_overrides(home, legacy):
    before = tree(legacy / ".kittify")
    notes = []
    glob, project = migrate(legacy, notes)

    assert {a["action"] for a in glob["actions"]} == {"install"}
    assert tree(home).keys() >= set(shipped_files())
    assert read_manifest(home)["version"] and len(read_manifest(home)["files"]) == len(
        shipped_files()
    )

    actions = by_path(project)
    assert {rel: a["action"] for rel, a in actions.items() if rel != "runtime.json"} == (
        EXPECTED_ACTIONS
    )
    assert actions["runtime.json"]["action"] == "mark-migrated"
    assert actions["templates/commands/review.md"]["to"] == "command-templates/review.md"

    after = tree(legacy / ".kittify")
    assert set(after) == {
        "config.yaml",
        "metadata.yaml",
        "memory/constitution.md",
        "scripts/bash/check-prerequisites.sh",
        "active-mission",
        "templates/plan-template.md",
        "command-templates/review.md",
        f"{SD}/templates/task-prompt-template.md",
        "missions/research/command-templates/plan.md",
        "missions/custom-audit/mission.yaml",
        "runtime.json",
    }
    for unchanged in ("config.yaml", "memory/constitution.md", "templates/plan-template.md"):
        assert after[unchanged] == before[unchanged]
    assert after["command-templates/review.md"] == CUSTOM_REVIEW.encode()
    assert after["missions/research/command-templates/plan.md"] == CUSTOM_RESEARCH_PLAN.encode()
    assert project_state(legacy) == MIGRATED
    assert "removed 9 unmodified copy(ies) of shipped defaults" in notes[-1]
    assert "moved 2 override(s) out of 1.x locations" in notes[-1]


def test_after_migration_overrides_win_and_the_rest_comes_from_the_global_runtime(home, legacy):
    migrate(legacy)
    kittify = legacy / ".kittify"

    plan = resolve_template("plan-template.md", "software-dev", legacy)
    assert (plan.tier, plan.path) == ("project", kittify / "templates/plan-template.md")
    spec = resolve_template("spec-template.md", "software-dev", legacy)
    assert (spec.tier, spec.path) == ("global-mission", home / SD / "templates/spec-template.md")
    review = resolve_template("review.md", None, legacy, kind="command")
    assert (review.tier, review.path.read_text()) == ("project", CUSTOM_REVIEW)
    research_plan = resolve_template("plan.md", "research", legacy, kind="command")
    assert (research_plan.tier, research_plan.path.read_text()) == (
        "project-mission",
        CUSTOM_RESEARCH_PLAN,
    )
    assert resolve_mission("custom-audit", legacy).tier == "project-mission"
    assert resolve_mission("software-dev", legacy).tier == "global-mission"


def test_second_run_changes_nothing_and_says_so(home, legacy):
    migrate(legacy)
    project_before, home_before = tree(legacy), tree(home)
    manifest_mtime = (home / "manifest.json").stat().st_mtime_ns

    notes = []
    glob, project = migrate(legacy, notes)

    assert not glob["changed"] and not project["changed"]
    assert {a["action"] for a in glob["actions"]} == {"unchanged"}
    assert {a["action"] for a in project["actions"]} == {"keep-override", "untouched-config"}
    assert tree(legacy) == project_before and tree(home) == home_before
    assert (home / "manifest.json").stat().st_mtime_ns == manifest_mtime
    assert "is up to date" in notes[0] and "nothing to change" in notes[0]
    assert "already migrated; nothing to change" in notes[1]


def test_dry_run_prints_the_plan_and_changes_nothing(home, legacy):
    before = tree(legacy)
    notes = []
    glob, project = migrate(legacy, notes, dry_run=True)

    assert tree(legacy) == before
    assert not home.exists()
    assert glob["changed"] and not glob["applied"]
    assert {rel: a["action"] for rel, a in by_path(project).items() if rel != "runtime.json"} == (
        EXPECTED_ACTIONS
    )
    assert notes[0].endswith(f"would install {len(shipped_files())} file(s)")
    assert "would remove 9 unmodified copy(ies)" in notes[1]
    assert project_state(legacy) == LEGACY


def test_action_records_name_their_runtime_and_whether_it_was_a_dry_run(home, legacy):
    global_report, project_report = migrate(legacy, dry_run=True)

    records = action_records(global_report, True) + action_records(project_report, True)

    assert len(records) == len(global_report["actions"]) + len(project_report["actions"])
    assert {(r["scope"], r.get("home"), r.get("project"), r["dry_run"]) for r in records} == {
        ("global", str(home), None, True),
        ("project", None, str(legacy), True),
    }
    assert records[0] == {**global_report["actions"][0], "home": str(home), "dry_run": True}


def test_second_project_reuses_the_global_runtime(home, legacy, tmp_path):
    migrate(legacy)
    home_before = tree(home)
    other = write_legacy_project(tmp_path / "blog")

    glob, project = migrate(other)

    assert {a["action"] for a in glob["actions"]} == {"unchanged"}
    assert tree(home) == home_before
    assert project_state(other) == MIGRATED and project["changed"]


def test_a_copy_of_an_earlier_release_default_is_not_a_customisation(legacy):
    old_spec = b"# Feature Specification (0.0.9)\n\nOlder wording of the default.\n"
    (legacy / ".kittify/templates/spec-template.md").write_bytes(old_spec)
    known = known_default_hashes()
    assert by_path({"actions": plan_project(legacy, known)})["templates/spec-template.md"][
        "action"
    ] == ("keep-override")

    known.setdefault("templates/spec-template.md", set()).add(content_hash(old_spec))
    planned = by_path({"actions": plan_project(legacy, known)})
    assert planned["templates/spec-template.md"]["action"] == "remove-identical"


def test_release_hashes_record_the_defaults_this_version_ships():
    from spec_kitty import __version__
    from spec_kitty.runtime.manifest import release_hashes, shipped_hashes

    assert release_hashes().get(__version__) == shipped_hashes(), (
        "a default changed since release-hashes.json was written: run "
        "`python -m spec_kitty.runtime.manifest` and commit templates/release-hashes.json"
    )


def test_an_upgrade_updates_untouched_global_files_and_keeps_edited_ones(home):
    ensure_global_runtime(notify=lambda _: None)
    manifest = json.loads((home / "manifest.json").read_text())
    # Pretend an earlier release installed other contents, one of which the user then edited.
    older = b"# spec template of an earlier release\n"
    (home / SD / "templates/spec-template.md").write_bytes(older)
    manifest["files"][f"{SD}/templates/spec-template.md"] = content_hash(older)
    edited = b"# my own plan template, everywhere\n"
    (home / SD / "templates/plan-template.md").write_bytes(edited)
    retired, retired_edited = home / "templates/retired.md", home / "templates/retired-mine.md"
    retired.write_text("old default\n")
    retired_edited.write_text("old default, then mine\n")
    manifest["files"]["templates/retired.md"] = content_hash(b"old default\n")
    manifest["files"]["templates/retired-mine.md"] = content_hash(b"old default\n")
    manifest["version"] = "0.0.9"
    (home / "manifest.json").write_text(json.dumps(manifest))

    notes = []
    report = ensure_global_runtime(notify=notes.append)

    actions = {a["path"]: a["action"] for a in report["actions"]}
    assert actions[f"{SD}/templates/spec-template.md"] == "update"
    assert actions[f"{SD}/templates/plan-template.md"] == "skip-user-edited"
    assert actions["templates/retired.md"] == "retire"
    assert actions["templates/retired-mine.md"] == "skip-user-edited"
    assert (home / SD / "templates/spec-template.md").read_bytes() == shipped(
        f"{SD}/templates/spec-template.md"
    )
    assert (home / SD / "templates/plan-template.md").read_bytes() == edited
    assert not retired.exists() and retired_edited.exists()
    assert "kept 2 file(s) you edited" in notes[0]

    again = ensure_global_runtime(notify=notes.append)
    assert not again["changed"]
    assert (home / SD / "templates/plan-template.md").read_bytes() == edited
    assert "nothing to change (kept 2 file(s) you edited)" in notes[-1]


def test_a_colliding_1x_file_stops_the_migration_before_any_change(home, legacy):
    kittify = legacy / ".kittify"
    (kittify / "command-templates").mkdir()
    (kittify / "command-templates/review.md").write_text("# a different review prompt\n")
    before = tree(legacy)

    report = migrate_project(legacy, notify=lambda _: None)

    assert not report["applied"] and tree(legacy) == before
    with pytest.raises(MigrationConflict) as raised:
        raise_conflicts(report)
    assert raised.value.exit_code == 1
    assert "templates/commands/review.md -> command-templates/review.md" in str(raised.value)
    assert project_state(legacy) == LEGACY


def test_init_marks_a_new_project_migrated_and_refuses_a_1x_one(home, legacy, tmp_path):
    fresh = write_fresh_project(tmp_path / "new")
    marker = mark_project_migrated(fresh)
    assert marker == fresh / ".kittify/runtime.json" and project_state(fresh) == MIGRATED
    assert (fresh / ".kittify/config.yaml").read_text() == CONFIG_YAML
    assert mark_project_migrated(fresh) == marker

    with pytest.raises(ScriptError, match="spec-kitty migrate"):
        mark_project_migrated(legacy)
    assert project_state(legacy) == LEGACY


def test_after_migration_normal_operation_prints_no_warning(home, legacy, capfd):
    migrate(legacy)
    capfd.readouterr()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in ("spec-template.md", "plan-template.md", "tasks-template.md"):
            text = resolve_template(name, "software-dev", legacy).path.read_text()
            render_template(text, {"feature_name": "Checkout", "feature_slug": "001-checkout"})
        resolve_template("review.md", "software-dev", legacy, kind="command")
        resolve_mission("research", legacy)
    assert caught == []
    assert capfd.readouterr() == ("", "")


def test_concurrent_migrations_take_turns_and_both_finish(home, tmp_path):
    projects = [write_legacy_project(tmp_path / f"p{i}") for i in range(3)]
    script = os.path.join(os.path.dirname(sys.executable), "migrate-global")
    running = [
        subprocess.Popen([script, str(p)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for p in projects
    ]
    for process in running:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
    manifest = read_manifest(home)
    assert set(manifest["files"]) == set(shipped_files())
    assert all(project_state(p) == MIGRATED for p in projects)
    assert all(
        (p / ".kittify/templates/plan-template.md").read_text() == CUSTOM_PLAN for p in projects
    )


def test_workflow_commands_refresh_a_global_runtime_left_by_another_version(home):
    from spec_kitty.runtime.migrate import ensure_current_global_runtime

    notes = []
    assert ensure_current_global_runtime(notify=notes.append)["changed"]
    assert ensure_current_global_runtime(notify=notes.append) is None
    manifest = json.loads((home / "manifest.json").read_text())
    older = b"# spec template of an earlier release\n"
    (home / SD / "templates/spec-template.md").write_bytes(older)
    manifest["files"][f"{SD}/templates/spec-template.md"] = content_hash(older)
    (home / "manifest.json").write_text(json.dumps({**manifest, "version": "0.0.9"}))

    report = ensure_current_global_runtime(notify=notes.append)

    assert [a["path"] for a in report["actions"] if a["action"] == "update"] == [
        f"{SD}/templates/spec-template.md"
    ]
    assert len(notes) == 2
    assert ensure_current_global_runtime(notify=notes.append) is None
