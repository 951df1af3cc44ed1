"""`migrate`: the global runtime installed once, 1.x projects reduced to their real overrides."""

import io
import json
import subprocess
import warnings

import pytest
from kittify_project import (
    CONFIG_1X,
    CONFIG_YAML,
    CUSTOM_PLAN,
    CUSTOM_RESEARCH_PLAN,
    CUSTOM_REVIEW,
    EXPECTED_ACTIONS,
    REMOVED,
    SD,
    SPEC_KITTY_EDITED,
    SPEC_KITTY_EXPECTED,
    SPEC_KITTY_STOCK,
    add_spec_kitty_copies,
    shipped,
    spec_kitty_table,
    tree,
    write_fresh_project,
    write_legacy_project,
)
from kitty_testing import VENV_BIN
from spec_kitty.jsonl import ScriptError
from spec_kitty.runtime import stock
from spec_kitty.runtime.legacy import LEGACY, MIGRATED, project_state
from spec_kitty.runtime.manifest import content_hash, read_manifest, shipped_files
from spec_kitty.runtime.migrate import (
    ensure_global_runtime,
    mark_project_migrated,
    migrate_and_write,
    migrate_project,
    plan_project,
)
from spec_kitty.runtime.migrate_report import MigrationConflict, describe
from spec_kitty.runtime.render import render_template
from spec_kitty.runtime.resolve import resolve_mission, resolve_template


@pytest.fixture
def home(isolated_homes):
    return isolated_homes / ".kittify"


@pytest.fixture
def legacy(tmp_path):
    return write_legacy_project(tmp_path / "shop")


@pytest.fixture
def spec_kitty_releases(tmp_path, monkeypatch):
    """The spec-kitty release table replaced by one of the tests' own stock files."""
    table = spec_kitty_table(tmp_path / "spec-kitty-hashes.json")
    monkeypatch.setattr(stock, "DEFAULT", table)
    return table


def migrate(root, notes=None, dry_run=False):
    say = notes.append if notes is not None else lambda _: None
    return ensure_global_runtime(notify=say, dry_run=dry_run), migrate_project(
        root, notify=say, dry_run=dry_run
    )


def by_path(actions):
    return {action.path: action for action in actions}


def actions_of(report):
    return {path: action.action for path, action in by_path(report.actions).items()}


def test_first_migration_classifies_every_file_and_keeps_only_overrides(home, legacy):
    before = tree(legacy / ".kittify")
    notes = []
    glob, project = migrate(legacy, notes)

    assert {a.action for a in glob.actions} == {"install"}
    assert tree(home).keys() >= set(shipped_files())
    assert read_manifest(home)["version"] and len(read_manifest(home)["files"]) == len(
        shipped_files()
    )

    actions = by_path(project.actions)
    assert actions_of(project) == EXPECTED_ACTIONS
    assert actions[".kittify/templates/commands/review.md"].to == (
        ".kittify/command-templates/review.md"
    )

    after = tree(legacy / ".kittify")
    assert set(after) == {
        "config.yaml",
        "metadata.yaml",
        "memory/constitution.md",
        "scripts/bash/check-prerequisites.sh",
        "active-mission",
        "templates/plan-template.md",
        "templates/house-style.md",
        "command-templates/review.md",
        f"{SD}/templates/task-prompt-template.md",
        "missions/research/command-templates/plan.md",
        "missions/research/templates/plan-template.md",
        "missions/custom-audit/mission.yaml",
        "runtime.json",
    }
    for unchanged in ("metadata.yaml", "memory/constitution.md", "templates/plan-template.md"):
        assert after[unchanged] == before[unchanged]
    assert after["command-templates/review.md"] == CUSTOM_REVIEW.encode()
    assert after["missions/research/command-templates/plan.md"] == CUSTOM_RESEARCH_PLAN.encode()
    assert after["config.yaml"].decode().startswith(CONFIG_1X)
    assert project_state(legacy) == MIGRATED
    assert f"removed {REMOVED} stock copy(ies) the global runtime serves" in notes[-1]
    assert "moved 2 override(s) out of 1.x locations" in notes[-1]
    assert "added the sync identity" in notes[-1]


def test_each_file_reports_its_origin(home, legacy):
    origins = {path: a.origin for path, a in by_path(plan_project(legacy)).items()}

    assert origins[f".kittify/{SD}/mission.yaml"].startswith("toolkit default ")
    assert origins[".kittify/templates/checklist-template.md"].startswith("toolkit default ")
    assert origins[".kittify/templates/house-style.md"] == "project-only"
    assert origins[".kittify/missions/custom-audit/mission.yaml"] == "project-only"
    assert origins[".kittify/metadata.yaml"] == "configuration"
    # software-dev's default, copied into research: research's own customisation, not stock.
    assert not origins[".kittify/missions/research/templates/plan-template.md"].startswith(
        ("stock", "toolkit")
    )


def test_spec_kitty_stock_copies_go_edits_stay_and_an_unshipped_mission_stays_whole(
    home, legacy, spec_kitty_releases
):
    add_spec_kitty_copies(legacy)

    report = migrate(legacy)[1]

    found = {path: (a.action, a.origin) for path, a in by_path(report.actions).items()}
    assert {path: found[path] for path in SPEC_KITTY_EXPECTED} == SPEC_KITTY_EXPECTED
    kittify = legacy / ".kittify"
    for rel in SPEC_KITTY_STOCK:
        kept = "documentation" in rel
        assert (kittify / rel).exists() == (kept and "/commands/" not in rel), rel
    assert (kittify / "missions/documentation/command-templates/plan.md").read_bytes() == (
        SPEC_KITTY_STOCK["missions/documentation/commands/plan.md"][0]
    )
    for rel, data in SPEC_KITTY_EDITED.items():
        assert (kittify / rel).read_bytes() == data
    doc = resolve_template("spec-template.md", "documentation", legacy)
    assert doc.tier == "project-mission"
    assert resolve_mission("documentation", legacy).tier == "project-mission"
    plan = resolve_template("plan-template.md", "software-dev", legacy)
    assert (plan.tier, plan.path.read_bytes()) == (
        "project-mission",
        SPEC_KITTY_EDITED[f"{SD}/templates/plan-template.md"],
    )
    dry = describe(report)
    assert any(
        line.split()[:3] == ["remove", "stock", "1.0.2..1.0.3"] and line.endswith("implement.md")
        for line in dry
    )


def test_a_file_is_compared_with_its_own_path_only(home, legacy, spec_kitty_releases):
    """Bytes spec-kitty shipped for one mission, found in another, are that mission's own."""
    moved = SPEC_KITTY_STOCK[f"{SD}/templates/tasks-template.md"][0]
    (legacy / ".kittify/missions/research/templates/tasks-template.md").write_bytes(moved)

    planned = by_path(plan_project(legacy))

    copy = planned[".kittify/missions/research/templates/tasks-template.md"]
    assert copy.action == "keep-override" and not copy.origin.startswith("stock")


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

    assert not glob.changed and not project.changed
    assert {a.action for a in glob.actions} == {"unchanged"}
    assert {a.action for a in project.actions} == {
        "keep-override",
        "keep-mission",
        "untouched-config",
    }
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
    assert glob.changed and not glob.applied
    assert actions_of(project) == EXPECTED_ACTIONS
    assert notes[0].endswith(f"would install {len(shipped_files())} file(s)")
    assert f"would remove {REMOVED} stock copy(ies)" in notes[1]
    assert project_state(legacy) == LEGACY
    lines = describe(project)
    assert len(lines) == len(EXPECTED_ACTIONS)
    assert any(line.startswith("edit") and "config.yaml" in line for line in lines)


def test_action_records_name_their_runtime_and_whether_it_was_a_dry_run(home, legacy):
    global_report, project_report = migrate(legacy, dry_run=True)

    records = global_report.records(True) + project_report.records(True)

    assert len(records) == len(global_report.actions) + len(project_report.actions)
    assert {(r["scope"], r.get("home"), r.get("project"), r["dry_run"]) for r in records} == {
        ("global", str(home), None, True),
        ("project", None, str(legacy), True),
    }
    first = global_report.actions[0]
    assert records[0] == {
        "scope": "global",
        "action": first.action,
        "path": first.path,
        "home": str(home),
        "dry_run": True,
    }
    # Each line keeps one order of fields, those an action has not left out.
    order = ["scope", "action", "path", "origin", "to", "slug", "reason", "home", "project"]
    for record in records:
        assert list(record) == [key for key in order if key in record] + ["dry_run"]
    assert {"origin", "to", "slug", "reason"} <= {key for r in records for key in r}


def test_second_project_reuses_the_global_runtime(home, legacy, tmp_path):
    migrate(legacy)
    home_before = tree(home)
    other = write_legacy_project(tmp_path / "blog")

    glob, project = migrate(other)

    assert {a.action for a in glob.actions} == {"unchanged"}
    assert tree(home) == home_before
    assert project_state(other) == MIGRATED and project.changed


def test_a_copy_of_an_earlier_release_default_is_not_a_customisation(legacy, tmp_path, monkeypatch):
    old_spec = b"# Feature Specification (0.9)\n\nOlder wording of the default.\n"
    (legacy / ".kittify/templates/spec-template.md").write_bytes(old_spec)
    planned = by_path(plan_project(legacy))
    assert planned[".kittify/templates/spec-template.md"].action == "keep-override"

    table = spec_kitty_table(
        tmp_path / "with-old.json", {"templates/spec-template.md": (old_spec, ["0.9.0"])}
    )
    monkeypatch.setattr(stock, "DEFAULT", table)
    planned = by_path(plan_project(legacy))
    assert planned[".kittify/templates/spec-template.md"].action == "remove-identical"
    assert planned[".kittify/templates/spec-template.md"].origin == "stock 0.9.0"


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

    actions = {a.path: a.action for a in report.actions}
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
    assert not again.changed
    assert (home / SD / "templates/plan-template.md").read_bytes() == edited
    assert "nothing to change (kept 2 file(s) you edited)" in notes[-1]


def test_a_colliding_1x_file_stops_the_migration_before_any_change(home, legacy):
    kittify = legacy / ".kittify"
    (kittify / "command-templates").mkdir()
    (kittify / "command-templates/review.md").write_text("# a different review prompt\n")
    before = tree(legacy)

    report = migrate_project(legacy, notify=lambda _: None)

    assert not report.applied and tree(legacy) == before
    with pytest.raises(MigrationConflict) as raised:
        report.raise_conflicts()
    assert raised.value.exit_code == 1
    assert ".kittify/templates/commands/review.md -> .kittify/command-templates/review.md" in str(
        raised.value
    )
    assert project_state(legacy) == LEGACY


def test_a_run_over_several_projects_reports_each_and_counts_those_held_back(home, tmp_path):
    clean, colliding = (write_legacy_project(tmp_path / name) for name in ("clean", "colliding"))
    (colliding / ".kittify/command-templates").mkdir()
    (colliding / ".kittify/command-templates/review.md").write_text("# another review prompt\n")
    out, told = io.StringIO(), []

    held_back = migrate_and_write([colliding, clean], out, conflicted=told.append)

    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert {r.get("project", r.get("home")) for r in records} == {
        str(home),
        str(colliding),
        str(clean),
    }
    assert held_back == 1 and [str(colliding) in str(conflict) for conflict in told] == [True]
    assert (project_state(colliding), project_state(clean)) == (LEGACY, MIGRATED)
    with pytest.raises(MigrationConflict):
        migrate_and_write([colliding], io.StringIO())


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
    running = [
        subprocess.Popen(
            [VENV_BIN / "migrate-global", str(p)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
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
    assert ensure_current_global_runtime(notify=notes.append).changed
    assert ensure_current_global_runtime(notify=notes.append) is None
    manifest = json.loads((home / "manifest.json").read_text())
    older = b"# spec template of an earlier release\n"
    (home / SD / "templates/spec-template.md").write_bytes(older)
    manifest["files"][f"{SD}/templates/spec-template.md"] = content_hash(older)
    (home / "manifest.json").write_text(json.dumps({**manifest, "version": "0.0.9"}))

    report = ensure_current_global_runtime(notify=notes.append)

    assert [a.path for a in report.actions if a.action == "update"] == [
        f"{SD}/templates/spec-template.md"
    ]
    assert len(notes) == 2
    assert ensure_current_global_runtime(notify=notes.append) is None


def test_spec_kitty_s_own_files_in_the_shared_global_runtime_are_left_and_skipped(
    home, tmp_path, monkeypatch
):
    """spec-kitty 2.x rewrites ~/.kittify/missions/ with its defaults on every start."""
    ensure_global_runtime(notify=lambda _: None)
    theirs = b"# Feature Specification: [FEATURE NAME]\n"
    table = spec_kitty_table(
        tmp_path / "t.json", {f"{SD}/templates/spec-template.md": (theirs, ["2.1.3"])}
    )
    monkeypatch.setattr(stock, "DEFAULT", table)
    (home / SD / "templates/spec-template.md").write_bytes(theirs)
    before = tree(home)

    found = resolve_template("spec-template.md", "software-dev", None)

    assert found.tier == "package"
    assert found.path.read_bytes() == shipped(f"{SD}/templates/spec-template.md")
    assert [(tier, why) for tier, _path, why in found.skipped] == [
        ("global-mission", "stock copy of spec-kitty 2.1.3, which spec-kitty manages; not used")
    ]
    manifest = json.loads((home / "manifest.json").read_text())
    (home / "manifest.json").write_text(json.dumps({**manifest, "version": "0.0.9"}))
    report = ensure_global_runtime(notify=lambda _: None)
    spec = by_path(report.actions)[f"{SD}/templates/spec-template.md"]
    assert (spec.action, spec.origin) == ("skip-spec-kitty", "stock 2.1.3")
    assert (home / SD / "templates/spec-template.md").read_bytes() == theirs
    assert {k: v for k, v in tree(home).items() if k != "manifest.json"} == {
        k: v for k, v in before.items() if k != "manifest.json"
    }


def test_a_global_file_the_user_edited_is_still_used(home):
    ensure_global_runtime(notify=lambda _: None)
    mine = b"# My spec template for every project\n"
    (home / SD / "templates/spec-template.md").write_bytes(mine)

    found = resolve_template("spec-template.md", "software-dev", None)

    assert (found.tier, found.path.read_bytes(), found.skipped) == ("global-mission", mine, ())


def test_spec_kitty_s_stock_missions_are_not_offered(home, tmp_path, monkeypatch):
    from spec_kitty.runtime.resolve import TemplateError, available_missions

    ensure_global_runtime(notify=lambda _: None)
    theirs = b"name: Plan Kitty\n"
    (home / "missions/plan").mkdir(parents=True)
    (home / "missions/plan/mission.yaml").write_bytes(theirs)
    table = spec_kitty_table(
        tmp_path / "t.json", {"missions/plan/mission.yaml": (theirs, ["2.1.3"])}
    )
    monkeypatch.setattr(stock, "DEFAULT", table)

    assert "plan" not in available_missions(None)
    with pytest.raises(TemplateError, match="skipped: global-mission .*spec-kitty 2.1.3"):
        resolve_mission("plan", None)
