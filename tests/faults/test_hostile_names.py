"""Hostile names given to the workflow commands: feature names, --feature selectors, work package
ids and titles that try to leave kitty-specs/, start options, or run shell code. Each is either
turned into a safe name inside the repository or refused with one line; nothing is written
anywhere else, and nothing is run."""

import json
import re
from pathlib import Path

import pytest
from faults_support import git, spec_kitty

TASKS_MD = "## WP01: One\n- [ ] T001 First\n\n## WP02: Two\nDepends on: WP01\n- [ ] T002 Next\n"
SLUG = re.compile(r"\d{3}-[a-z0-9]+(-[a-z0-9]+)*")


def tree(top: Path, skip: Path) -> set[str]:
    """Every path under `top` outside `skip` (and outside the homes, which the queue writes)."""
    return {
        str(p.relative_to(top))
        for p in top.rglob("*")
        if skip not in (p, *p.parents) and "home" not in p.relative_to(top).parts
    }


@pytest.fixture
def project(tmp_path) -> Path:
    from spec_kitty.workflow.init import init_project

    root = tmp_path / "work" / "repo"
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "commit", "-q", "--allow-empty", "-m", "initial commit")
    init_project(root)
    return root


HOSTILE_FEATURE_NAMES = [
    "../../outside",
    "/etc/passwd",
    "..",
    "~/.ssh/authorized_keys",
    "$(touch pwned)",
    "`touch pwned`; touch pwned2",
    "a\nb\r\nc",
    "--help",
    "-rf",
    "refs/heads/main",
    "HEAD@{1}~^:?*[\\",
    ".git/hooks/pre-commit",
    "x" * 5000,
    "\u202eevil\u202d.md",
    "café ñandú",
]


def test_hostile_feature_names_become_safe_slugs_inside_kitty_specs(project, tmp_path):
    before = tree(tmp_path, project)
    made = []
    for name in HOSTILE_FEATURE_NAMES:
        done = spec_kitty(project, "create-feature", "--json", f"--name={name}")
        assert b"Traceback" not in done.stderr
        if done.returncode != 0:
            assert done.returncode == 2 and len(done.stderr.splitlines()) == 1, (name, done.stderr)
            continue
        slug = json.loads(done.stdout)["feature"]
        assert SLUG.fullmatch(slug) and len(slug) <= 52, (name, slug)
        made.append(slug)
    assert tree(tmp_path, project) == before
    assert sorted(p.name for p in (project / "kitty-specs").iterdir()) == sorted(made)
    assert not list(project.rglob("pwned*"))
    assert git(project, "status", "--porcelain") == ""
    # Each name became a branch-safe slug; git took every commit.
    assert len(git(project, "log", "--format=%s").splitlines()) == 2 + len(made)


@pytest.mark.parametrize(
    "selector",
    ["../..", "001-checkout-flow/../..", "/tmp", "..", ".git", "001-checkout-flow/", "-h", "*"],
)
def test_feature_selectors_that_are_not_slugs_are_refused(project, selector):
    assert spec_kitty(project, "create-feature", "Checkout flow").returncode == 0
    head = git(project, "rev-parse", "HEAD")

    done = spec_kitty(project, "setup-plan", f"--feature={selector}")

    assert done.returncode == 2 and b"Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert git(project, "rev-parse", "HEAD") == head
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""


def test_work_package_ids_that_are_not_ids_are_refused(project):
    from spec_kitty.workflow.features import load_feature
    from spec_kitty.workflow.planning import create_feature, finalize_tasks, setup_plan

    slug = create_feature(project, "Checkout flow", None)["feature"]
    setup_plan(project, load_feature(project, slug))
    (project / "kitty-specs" / slug / "tasks.md").write_text(TASKS_MD)
    finalize_tasks(project, load_feature(project, slug))
    head = git(project, "rev-parse", "HEAD")

    for wp in ["../WP01", "WP01/../../x", "WP1;touch pwned", "WP 01", "WP100", "WP00", "-1"]:
        for command in (
            ["move-task", f"--wp={wp}", "--to", "claimed"],
            ["implement", f"--wp={wp}"],
        ):
            done = spec_kitty(project, *command)
            assert done.returncode == 2 and b"Traceback" not in done.stderr, (wp, done.stderr)
            assert b"expected WP01 .. WP99" in done.stderr, (wp, done.stderr)
    assert git(project, "rev-parse", "HEAD") == head
    assert not (project / ".worktrees").exists() and not list(project.rglob("pwned"))


def test_hostile_titles_and_headings_in_tasks_md_stay_inside_the_tasks_folder(project, tmp_path):
    from spec_kitty.workflow.features import load_feature
    from spec_kitty.workflow.planning import create_feature

    slug = create_feature(project, "Checkout flow", None)["feature"]
    (project / "kitty-specs" / slug / "tasks.md").write_text(
        "## WP01: ../../../../outside/evil\n- [ ] T001 a\n\n"
        "## WP02: /etc/passwd\n- [ ] T002 b\n\n"
        "## WP03: ..\n- [ ] T003 c\n\n"
        "## WP04: $(touch pwned) `touch pwned`\n- [ ] T004 d\n"
    )
    before = tree(tmp_path, project)

    done = spec_kitty(project, "finalize-tasks", "--json")

    assert done.returncode == 0, done.stderr
    tasks = project / "kitty-specs" / slug / "tasks"
    created = [Path(c["path"]) for c in json.loads(done.stdout)["created"]]
    assert len(created) == 4
    for path in created:
        assert (project / path).resolve().parent == tasks.resolve()
        assert re.fullmatch(r"WP0\d-[a-z0-9-]+\.md", path.name), path
    assert tree(tmp_path, project) == before
    assert not list(project.rglob("pwned"))
    assert load_feature(project, slug).slug == slug
