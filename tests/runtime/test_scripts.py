"""`resolve-template`, `migrate-global` and `spec-kitty migrate` as a user runs them."""

import json

from kittify_project import (
    CUSTOM_PLAN,
    EXPECTED_ACTIONS,
    REMOVED,
    SHIPPED,
    tree,
    write_fresh_project,
    write_legacy_project,
)
from kitty_testing import json_lines
from spec_kitty.runtime.migrate import mark_project_migrated


def requests(*items):
    return "".join(json.dumps(item) + "\n" for item in items)


def test_resolve_template_answers_one_line_per_request(script, tmp_path):
    project = write_fresh_project(tmp_path / "repo")
    mark_project_migrated(project)
    (project / ".kittify/templates").mkdir()
    (project / ".kittify/templates/plan-template.md").write_text(CUSTOM_PLAN)

    done = script(
        "resolve-template",
        input=requests(
            {"name": "plan-template.md"},
            {"name": "spec-template.md", "mission": "research"},
            {"name": "review", "kind": "command"},
            {"kind": "mission", "mission": "research"},
            {"name": "../../etc/passwd"},
        ),
        cwd=project / ".kittify",
    )

    assert done.returncode == 1
    plan, spec, review, mission, escape = json_lines(done.stdout)
    assert (plan["tier"], plan["path"]) == (
        "project",
        str(project / ".kittify/templates/plan-template.md"),
    )
    assert spec == {
        "name": "spec-template.md",
        "mission": "research",
        "kind": "template",
        "path": str(SHIPPED / "missions/research/templates/spec-template.md"),
        "tier": "package",
    }
    assert review["path"].endswith("missions/software-dev/command-templates/review.md")
    assert mission["path"].endswith("missions/research/mission.yaml")
    assert "leaves its directory" in escape["error"]
    assert done.stderr.decode() == "resolve-template: 1 request(s) could not be resolved\n"


def test_resolve_template_answers_a_kind_that_is_a_list_with_an_error(script, tmp_path):
    done = script(
        "resolve-template",
        input=requests({"name": "spec-template.md", "kind": ["x"]}, {"name": "plan-template"}),
        cwd=tmp_path,
    )

    assert done.returncode == 1, done.stderr
    bad, good = json_lines(done.stdout)
    assert bad["kind"] == ["x"] and "kind ['x']" in bad["error"] and "expected" in bad["error"]
    assert good["tier"] == "package"
    assert done.stderr.decode() == "resolve-template: 1 request(s) could not be resolved\n"


def test_explain_lists_every_tier_in_order_and_normal_use_prints_nothing(script, tmp_path):
    project = write_fresh_project(tmp_path / "repo")
    mark_project_migrated(project)
    assert script("migrate-global").returncode == 0

    done = script(
        "resolve-template", "--explain", input=requests({"name": "tasks-template"}), cwd=project
    )

    assert (done.returncode, done.stderr) == (0, b"")
    (line,) = json_lines(done.stdout)
    assert line["tier"] == "global-mission"
    assert [tier for tier, _ in line["looked_in"]] == [
        "project-mission",
        "project",
        "global-mission",
    ]


def test_resolve_template_in_a_1x_project_says_to_migrate(script, tmp_path):
    legacy = write_legacy_project(tmp_path / "old")
    done = script(
        "resolve-template", "--project", str(legacy), input=requests({"name": "tasks-template"})
    )
    assert done.returncode == 1
    assert "run `spec-kitty migrate`" in json_lines(done.stdout)[0]["error"]
    assert done.stderr.decode().count("`spec-kitty migrate --dry-run` lists each file") == 1


def test_resolve_template_stops_at_a_malformed_line_after_answering_the_ones_before(
    script, tmp_path
):
    done = script(
        "resolve-template", input=requests({"name": "spec-template.md"}) + "{oops\n", cwd=tmp_path
    )
    assert done.returncode == 2
    assert len(json_lines(done.stdout)) == 1
    assert done.stderr.decode().startswith("resolve-template: line 2: not JSON")


def test_migrate_global_installs_migrates_and_reruns_as_a_no_op(script, tmp_path, isolated_homes):
    first = write_legacy_project(tmp_path / "a")
    second = write_legacy_project(tmp_path / "b")

    done = script(
        "migrate-global", str(first), "-", input=json.dumps({"project": str(second)}) + "\n"
    )

    assert done.returncode == 0, done.stderr
    records = json_lines(done.stdout)
    installed = [r for r in records if r["scope"] == "global"]
    assert {r["action"] for r in installed} == {"install"}
    for project in (first, second):
        mine = {r["path"]: r["action"] for r in records if r.get("project") == str(project)}
        assert mine == EXPECTED_ACTIONS
    home_before, first_before = tree(isolated_homes / ".kittify"), tree(first)

    again = script("migrate-global", str(first))

    assert again.returncode == 0
    assert {r["action"] for r in json_lines(again.stdout)} == {
        "unchanged",
        "keep-override",
        "keep-mission",
        "untouched-config",
    }
    assert tree(isolated_homes / ".kittify") == home_before and tree(first) == first_before
    summary = again.stderr.decode()
    assert "is up to date" in summary and "already migrated; nothing to change" in summary


def test_spec_kitty_migrate_dry_run_then_for_real_then_again(script, tmp_path, isolated_homes):
    legacy = write_legacy_project(tmp_path / "shop")
    before = tree(legacy)

    planned = script(
        "spec-kitty", "migrate", "--dry-run", "--json", cwd=legacy / ".kittify" / "memory"
    )
    assert planned.returncode == 0, planned.stderr
    assert tree(legacy) == before
    lines = json_lines(planned.stdout)
    assert lines and all(line["dry_run"] for line in lines)
    assert {line["scope"]: line.get("home") or line.get("project") for line in lines} == {
        "global": str(isolated_homes / ".kittify"),
        "project": str(legacy),
    }
    assert f"would remove {REMOVED} stock copy(ies)".encode() in planned.stderr

    done = script("spec-kitty", "migrate", cwd=legacy)
    assert done.returncode == 0, done.stderr
    assert done.stdout == b""
    assert b"marked migrated" in done.stderr

    again = script("spec-kitty", "migrate", cwd=legacy)
    assert again.returncode == 0
    assert b"already migrated; nothing to change" in again.stderr


def test_spec_kitty_migrate_outside_a_project_and_on_a_conflict(script, tmp_path):
    outside = tmp_path / "nowhere"
    outside.mkdir()
    lost = script("spec-kitty", "migrate", cwd=outside)
    assert lost.returncode == 2
    assert lost.stderr.decode().startswith("spec-kitty migrate: no .kittify/ at or above")
    assert len(lost.stderr.splitlines()) == 1
    alone = script("spec-kitty", "migrate", "--global-only", "--json", cwd=outside)
    assert alone.returncode == 0, alone.stderr
    assert {line["scope"] for line in json_lines(alone.stdout)} == {"global"}

    legacy = write_legacy_project(tmp_path / "shop")
    (legacy / ".kittify/command-templates").mkdir()
    (legacy / ".kittify/command-templates/review.md").write_text("# another review\n")
    clash = script("spec-kitty", "migrate", "--json", cwd=legacy)
    assert clash.returncode == 1
    assert any(line["action"] == "conflict" for line in json_lines(clash.stdout))
    assert b"nothing was changed" in clash.stderr


def test_help_says_what_goes_in_and_out(script):
    for name in ("resolve-template", "migrate-global"):
        helped = script(name, "--help")
        assert helped.returncode == 0
        assert b"example:" in helped.stdout and b"stdout" in helped.stdout
