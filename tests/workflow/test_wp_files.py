"""Work-package files in every layout: flat with frontmatter lanes, and 0.x lane folders."""

import pytest
from spec_kitty.jsonl import ScriptError
from spec_kitty.workflow.tasks_md import parse_tasks_md
from spec_kitty.workflow.wp_files import read_work_packages
from workflow_support import write


def test_flat_files_with_quoted_and_plain_lanes_and_every_dependency_form(tmp_path):
    feature = tmp_path / "001-quiz"
    write(
        feature,
        "tasks/WP01-setup.md",
        '---\nwork_package_id: WP01\ntitle: Setup\nlane: "done"\ndependencies: []\n---\nbody\n',
    )
    write(
        feature,
        "tasks/WP02-store.md",
        '---\nwork_package_id: "WP02"\ntitle: "Store"\n'
        'lane: "for_review"\ndependencies: ["WP01"]\n---\n',
    )
    write(
        feature,
        "tasks/WP03-engine.md",
        "---\nwork_package_id: WP03\ntitle: Engine\n"
        "lane: doing\ndependencies:\n- WP01\n- WP02\nsubtasks:\n- T012\n---\n",
    )
    write(
        feature,
        "tasks/WP04-page.md",
        "---\nwork_package_id: WP04\ntitle: Page\nlane: planned\ndependencies: [WP03]\n---\n",
    )
    packages = read_work_packages(feature)
    assert {wp: p.stated_lane for wp, p in packages.items()} == {
        "WP01": "done",
        "WP02": "for_review",
        "WP03": "in_progress",
        "WP04": "planned",
    }
    assert [p.dependencies for p in packages.values()] == [[], ["WP01"], ["WP01", "WP02"], ["WP03"]]
    assert packages["WP03"].subtasks == ["T012"]


def test_lane_folders_win_over_a_stale_frontmatter_lane(tmp_path):
    feature = tmp_path / "006-missions"
    write(
        feature,
        "tasks/for_review/WP03-specify.md",
        '---\nwork_package_id: "WP03"\ntitle: "Specify"\nlane: "doing"\n---\n',
    )
    write(
        feature,
        "tasks/doing/WP05-cleanup.md",
        '---\nwork_package_id: "WP05"\nwork_package_title: Cleanup\nlane: "planned"\n---\n',
    )
    packages = read_work_packages(feature)
    assert packages["WP03"].stated_lane == "for_review"
    assert packages["WP03"].stated_by == "folder tasks/for_review/"
    assert packages["WP05"].stated_lane == "in_progress"
    assert packages["WP05"].title == "Cleanup"


def test_dependencies_come_from_tasks_md_when_the_frontmatter_has_none(tmp_path):
    feature = tmp_path / "004-refactor"
    write(
        feature,
        "tasks/planned/WP06-cli.md",
        "---\nwork_package_id: WP06\nwork_package_title: CLI\nlane: planned\n---\n",
    )
    write(
        feature,
        "tasks/planned/WP07-init.md",
        "---\nwork_package_id: WP07\nlane: planned\ndependencies: [WP01]\n---\n",
    )
    sections = parse_tasks_md(
        "#### WP06: CLI [Priority: P3]\n**Dependencies**: WP01 (ui), WP04 (services)\n"
        "#### WP07: GitHub init\n**Dependencies**: WP03\n"
    )
    packages = read_work_packages(feature, sections)
    assert packages["WP06"].dependencies == ["WP01", "WP04"]
    assert packages["WP07"].dependencies == ["WP01"]  # the frontmatter wins
    assert packages["WP07"].title == "GitHub init"


def test_a_lane_this_tool_does_not_know_is_kept_as_written(tmp_path):
    feature = tmp_path / "010-new"
    write(feature, "tasks/WP01-x.md", "---\nwork_package_id: WP01\nlane: approved\n---\n")
    assert read_work_packages(feature)["WP01"].stated_lane == "approved"


def test_two_files_for_one_work_package_are_refused(tmp_path):
    feature = tmp_path / "004-refactor"
    write(feature, "tasks/planned/WP01-a.md", "---\nlane: planned\n---\n")
    write(feature, "tasks/done/WP01-a.md", "---\nlane: done\n---\n")
    with pytest.raises(ScriptError, match="WP01 has two files"):
        read_work_packages(feature)


def test_bad_dependencies_name_the_file(tmp_path):
    feature = tmp_path / "001-x"
    path = write(feature, "tasks/WP01-a.md", "---\ndependencies: [T001]\n---\n")
    with pytest.raises(ScriptError, match=f"{path}: dependencies"):
        read_work_packages(feature)


def test_a_file_that_is_not_utf8_is_named(tmp_path):
    feature = tmp_path / "001-x"
    path = feature / "tasks" / "WP01-a.md"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"---\ntitle: caf\xe9\n---\n")
    with pytest.raises(ScriptError, match=f"{path} is not UTF-8 text"):
        read_work_packages(feature)
