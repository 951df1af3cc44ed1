"""Template resolution: the five tiers in order, the 1.x project error, names that try to escape."""

import pytest
from kittify_project import SHIPPED, write_fresh_project, write_legacy_project
from spec_kitty.runtime.migrate import ensure_global_runtime, mark_project_migrated
from spec_kitty.runtime.resolve import (
    TemplateError,
    UnmigratedProject,
    available_missions,
    find_project,
    resolve_mission,
    resolve_template,
)


@pytest.fixture
def home(isolated_homes):
    return isolated_homes / ".kittify"


@pytest.fixture
def project(tmp_path):
    root = write_fresh_project(tmp_path / "repo")
    mark_project_migrated(root)
    return root


def put(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "kind, folder", [("template", "templates"), ("command", "command-templates")]
)
def test_each_tier_wins_over_the_ones_below_it(home, project, kind, folder):
    name = "plan-template.md" if kind == "template" else "plan.md"
    kittify = project / ".kittify"

    def tier_and_text():
        found = resolve_template(name, "research", project, kind=kind)
        return found.tier, found.path.read_text()

    package = SHIPPED / "missions/research" / folder / name
    assert tier_and_text() == ("package", package.read_text())
    layers = [
        ("global", home / folder / name),
        ("global-mission", home / "missions/research" / folder / name),
        ("project", kittify / folder / name),
        ("project-mission", kittify / "missions/research" / folder / name),
    ]
    for tier, path in layers:
        put(path, f"from {tier}\n")
        assert tier_and_text() == (tier, f"from {tier}\n")
    # Another mission's folder never counts: software-dev files do not shadow research ones.
    put(kittify / "missions/software-dev" / folder / name, "software-dev override\n")
    assert tier_and_text() == ("project-mission", "from project-mission\n")


def test_package_defaults_without_any_project(home):
    spec = resolve_template("spec-template.md", None, None)
    assert spec.tier == "package"
    assert spec.path == SHIPPED / "missions/software-dev/templates/spec-template.md"
    research = resolve_template("spec-template", "research", None)
    assert research.path == SHIPPED / "missions/research/templates/spec-template.md"
    # Mission-independent defaults come after the mission's own folder.
    checklist = resolve_template("checklist-template.md", "research", None)
    assert (checklist.tier, checklist.path) == (
        "package",
        SHIPPED / "templates/checklist-template.md",
    )
    assert [tier for tier, _ in checklist.looked_in] == [
        "global-mission",
        "global",
        "package",
        "package",
    ]


def test_a_miss_names_the_template_the_mission_and_every_tier(home, project):
    with pytest.raises(TemplateError) as raised:
        resolve_template("nope.md", "research", project)
    message = str(raised.value)
    assert raised.value.exit_code == 2
    assert "'nope.md'" in message and "'research'" in message
    for tier in ("project-mission", "project", "global-mission", "global", "package"):
        assert f"{tier} " in message
    assert len(raised.value.looked_in) == 6


def test_a_fresh_project_resolves_through_every_tier(home, tmp_path):
    fresh = write_fresh_project(tmp_path / "new")
    assert resolve_template("spec-template.md", None, fresh).tier == "package"
    ensure_global_runtime(notify=lambda _: None)
    assert resolve_template("spec-template.md", None, fresh).tier == "global-mission"


def test_an_unmigrated_project_resolves_from_its_own_kittify_only(home, tmp_path):
    legacy = write_legacy_project(tmp_path / "old")
    ensure_global_runtime(notify=lambda _: None)  # installed for another project already

    found = resolve_template("checklist-template.md", None, legacy)
    assert (found.tier, found.path) == (
        "project",
        legacy / ".kittify/templates/checklist-template.md",
    )
    mission_copy = resolve_template("spec-template.md", None, legacy)
    assert mission_copy.tier == "project-mission"

    with pytest.raises(UnmigratedProject) as raised:
        resolve_template("tasks-template.md", None, legacy)
    message = str(raised.value)
    assert "1.x" in message and "run `spec-kitty migrate`" in message and str(legacy) in message
    assert {tier for tier, _ in raised.value.looked_in} == {"project-mission", "project"}
    assert raised.value.exit_code == 2

    with pytest.raises(UnmigratedProject, match="mission 'research'.*spec-kitty migrate"):
        resolve_mission("research", legacy)


def test_a_command_only_in_a_1x_location_is_an_error_not_a_fallback(home, tmp_path):
    legacy = write_legacy_project(tmp_path / "old")
    with pytest.raises(UnmigratedProject) as raised:
        resolve_template("review.md", "software-dev", legacy, kind="command")
    message = str(raised.value)
    assert ".kittify/templates/commands/review.md" in message
    assert "spec-kitty migrate" in message
    with pytest.raises(UnmigratedProject, match="missions/research/commands/plan.md"):
        resolve_template("plan", "research", legacy, kind="command")


@pytest.mark.parametrize(
    "name",
    [
        "../secrets.md",
        "a/../../b.md",
        "/etc/passwd",
        "..\\x.md",
        "~/x.md",
        "..",
        "",
        "  ",
        "commands/specify.md",
    ],
)
def test_names_leaving_their_directory_are_refused(home, project, name):
    with pytest.raises(TemplateError, match="name"):
        resolve_template(name, None, project)


@pytest.mark.parametrize("mission", ["..", "../x", "a/b", "/abs", "a\\b", ".hidden", "x y"])
def test_mission_keys_leaving_their_directory_are_refused(home, project, mission):
    with pytest.raises(TemplateError, match="mission key"):
        resolve_template("spec-template.md", mission, project)
    with pytest.raises(TemplateError, match="mission key"):
        resolve_mission(mission, project)


@pytest.mark.parametrize(
    "field, request_",
    [
        ("kind", {"kind": ["x"]}),
        ("kind", {"kind": {"a": 1}}),
        ("mission key", {"mission": ["software-dev"]}),
        ("mission key", {"mission": []}),
        ("template name", {"name": {"spec": 1}}),
        ("template name", {"name": 7}),
    ],
)
def test_a_field_that_is_not_a_string_is_named_in_the_error(home, project, field, request_):
    arguments = {"name": "spec-template.md", "mission": None, "kind": "template", **request_}
    with pytest.raises(TemplateError, match=f"^(unknown )?{field} .*(expected|must be)"):
        resolve_template(arguments["name"], arguments["mission"], project, arguments["kind"])


def test_missions_are_listed_and_an_unknown_one_says_which_exist(home, project):
    assert available_missions(project) == ["research", "software-dev"]
    put(project / ".kittify/missions/audit/mission.yaml", "name: Audit\n")
    assert available_missions(project) == ["audit", "research", "software-dev"]
    assert resolve_mission("audit", project).tier == "project-mission"
    with pytest.raises(TemplateError, match="unknown mission 'nope'; available: audit, research"):
        resolve_mission("nope", project)


def test_find_project_never_takes_the_global_runtime_for_a_project(home, project, isolated_homes):
    ensure_global_runtime(notify=lambda _: None)
    inside = project / "src" / "pkg"
    inside.mkdir(parents=True)
    assert find_project(inside) == project
    elsewhere = isolated_homes / "notes"
    elsewhere.mkdir()
    assert find_project(elsewhere) is None
