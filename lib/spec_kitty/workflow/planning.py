"""The planning commands: create-feature, setup-plan and finalize-tasks.

Each plans its files and sync events in a Changeset, which writes them all or nothing, commits
them in one commit on the feature's target branch, then queues the events.
"""

import json
from pathlib import Path

from spec_kitty.events.lanes import SyncLane
from spec_kitty.jsonl import ScriptError
from spec_kitty.workflow import frontmatter, git, records, templates
from spec_kitty.workflow.changeset import Changeset
from spec_kitty.workflow.features import (
    DEFAULT_MISSION,
    Feature,
    feature_slugs,
    load_feature,
    next_number,
)
from spec_kitty.workflow.lock import exclusive
from spec_kitty.workflow.slugs import slugify
from spec_kitty.workflow.status_log import utc_timestamp
from spec_kitty.workflow.text import read_text
from spec_kitty.workflow.workspace import check_target_branch


@exclusive
def create_feature(root: Path, name: str, mission: str | None, commit: bool = True) -> dict:
    """kitty-specs/NNN-slug/ with spec.md (from the template) and meta.json."""
    slug = slugify(name)
    mission = _known_mission(root, mission)
    target = git.current_branch(root)
    if target is None:
        raise ScriptError(
            f"{root} has a detached HEAD; check out the branch this feature should land on"
        )
    # A feature of this name left uncommitted (by create-feature --no-commit, or a spec.md
    # written by hand) is finished rather than joined by a second one. One a killed
    # create-feature left is finished from its journal before this runs (see lock.exclusive).
    left = _uncommitted_feature(root, slug)
    number = left.number if left else next_number(root, git.local_branches(root))
    feature_slug = f"{number}-{slug}"
    meta = {
        "feature_number": number,
        "slug": feature_slug,
        "feature_slug": feature_slug,
        "friendly_name": name.strip(),
        "mission": mission,
        "target_branch": target,
        "vcs": "git",
        "created_at": utc_timestamp(),
    }
    feature = left if left and left.meta else Feature(root, feature_slug, meta)
    if not left and feature.directory.exists():
        # Another create-feature took this number a moment ago.
        raise ScriptError(f"{feature.directory} appeared while allocating; run the command again")
    if left and commit:
        check_target_branch(root, feature)
    spec = feature.directory / "spec.md"
    meta_path = feature.directory / "meta.json"
    with Changeset(root) as changes:
        changes.make_dirs(feature.directory)
        if spec.is_file():
            changes.track(spec)  # kept as it is: it may have been edited since
        else:
            spec_text = templates.fill(templates.SPEC, feature.mission, root, _values(feature))
            changes.write(spec, spec_text)
        if meta_path.is_file():
            # Written by a create-feature --no-commit, which queued the feature's events.
            changes.track(meta_path)
        else:
            changes.write(meta_path, json.dumps(meta, indent=2) + "\n")
            changes.queue(
                [
                    records.feature_created(feature.slug, feature.target_branch),
                    records.artifact_created(feature.slug, "spec", _relative(root, spec)),
                ]
            )
        result = {
            "feature": feature.slug,
            "number": feature.number,
            "mission": feature.mission,
            "target_branch": feature.target_branch,
            "spec": _relative(root, spec),
        }
        message = f"Create feature {feature_slug}: spec.md and meta.json"
        committed = changes.commit(message, commit, result)
    return {**result, "committed": committed}


def _uncommitted_feature(root: Path, slug: str) -> Feature | None:
    """The feature directory of this name whose meta.json is not committed, if there is one."""
    for found in feature_slugs(root):
        if found[4:] == slug:
            meta = _relative(root, root / "kitty-specs" / found / "meta.json")
            try:
                git.git(root, "cat-file", "-e", f"HEAD:{meta}")
            except git.GitError:
                return load_feature(root, found)
    return None


@exclusive
def setup_plan(root: Path, feature: Feature, force: bool = False, commit: bool = True) -> dict:
    """plan.md from the template, beside the feature's spec.md; never overwritten without force."""
    spec = feature.directory / "spec.md"
    plan = feature.directory / "plan.md"
    if not spec.is_file():
        raise ScriptError(
            f"{spec} not found: the plan is made from the spec; write spec.md first "
            "(`spec-kitty create-feature` creates it)"
        )
    if plan.exists() and not force:
        raise ScriptError(f"{plan} already exists; pass --force to replace it with a fresh plan")
    if commit:
        check_target_branch(root, feature)
    text = templates.fill(templates.PLAN, feature.mission, root, _values(feature))
    result = {"feature": feature.slug, "plan": _relative(root, plan)}
    with Changeset(root) as changes:
        changes.write(plan, text)
        changes.queue([records.artifact_created(feature.slug, "plan", result["plan"])])
        committed = changes.commit(f"Plan feature {feature.slug}: plan.md", commit, result)
    return {**result, "committed": committed}


@exclusive
def finalize_tasks(root: Path, feature: Feature, commit: bool = True) -> dict:
    """A prompt file per tasks.md section that lacks one; files authors already wrote are kept."""
    tasks_md = feature.directory / "tasks.md"
    if not tasks_md.is_file():
        template = templates.template_path(templates.TASKS, feature.mission, root)
        raise ScriptError(
            f"{tasks_md} not found; write it first, one `## WP01: Title` section per work "
            f"package (the tasks template is {template})"
        )
    if commit:
        check_target_branch(root, feature)
    from spec_kitty.workflow.state import load_state

    state = load_state(feature)
    _check_tasks_md(tasks_md, state.sections)
    dependencies = {wp: pkg.dependencies for wp, pkg in state.packages.items()}
    for section in state.sections:
        dependencies.setdefault(section.wp_id, section.dependencies or [])
    check_dependency_graph(dependencies, str(tasks_md))
    lane_folders = any(pkg.folder for pkg in state.packages.values())
    created = []
    with Changeset(root) as changes:
        for section in state.sections:
            if section.wp_id in state.packages:
                continue
            folder = feature.tasks_dir / SyncLane.PLANNED if lane_folders else feature.tasks_dir
            path = folder / f"{section.wp_id}-{_file_slug(section.title)}.md"
            deps = dependencies[section.wp_id]
            changes.write(path, _prompt_file(root, feature, section, deps))
            created.append((section, path, deps))
        changes.track(tasks_md)
        for package in state.packages.values():
            changes.track(package.path)
        slug = feature.slug
        changes.queue(
            [records.artifact_created(slug, "tasks", _relative(root, tasks_md))]
            + [records.wp_created(slug, s.wp_id, s.title, deps) for s, _p, deps in created]
        )
        result = {
            "feature": slug,
            "created": [{"wp_id": s.wp_id, "path": _relative(root, p)} for s, p, _d in created],
            "kept": [_relative(root, pkg.path) for pkg in state.packages.values()],
        }
        message = f"Finalize tasks of {slug}: {len(created)} new work package file(s)"
        committed = changes.commit(message, commit, result)
    return {**result, "committed": committed}


def _check_tasks_md(tasks_md: Path, sections: list) -> None:
    """ScriptError naming the line an author got wrong, and the form it should take: a heading
    meant for a work package that is not read as one (its section would be left out), no
    section at all, or a subtask id used twice."""
    from spec_kitty.workflow.tasks_md import near_misses, repeated_subtask  # finalize-tasks only

    misses = near_misses(read_text(tasks_md), plain=not sections)
    if misses:
        lineno, line, expected = misses[0]
        more = f" ({len(misses) - 1} more line(s) like it)" if len(misses) > 1 else ""
        raise ScriptError(
            f"{tasks_md} line {lineno}: `{line.strip()}` is not read as a work package "
            f"heading; write it as `{expected}`{more}"
        )
    if not sections:
        raise ScriptError(
            f"{tasks_md} has no work package sections; start each with a heading such as "
            "`## WP01: Title`"
        )
    repeated = repeated_subtask(sections, str(tasks_md))
    if repeated:
        raise ScriptError(repeated)


def check_dependency_graph(dependencies: dict[str, list[str]], where: str) -> None:
    """ScriptError naming an unknown dependency, or the chain of a cycle."""
    for wp, deps in dependencies.items():
        unknown = [dep for dep in deps if dep not in dependencies]
        if unknown:
            raise ScriptError(
                f"{where}: {wp} depends on {', '.join(unknown)}, which "
                f"{'is' if len(unknown) == 1 else 'are'} not a work package of this feature"
            )
    done: set[str] = set()

    def visit(wp: str, chain: list[str]) -> None:
        if wp in chain:
            cycle = chain[chain.index(wp) :] + [wp]
            raise ScriptError(f"{where}: dependency cycle {' -> '.join(cycle)}; break one link")
        if wp in done:
            return
        for dep in dependencies[wp]:
            visit(dep, [*chain, wp])
        done.add(wp)

    for wp in dependencies:
        visit(wp, [])


def _prompt_file(root: Path, feature: Feature, section, deps: list[str]) -> str:
    values = {
        **_values(feature),
        "wp_id": section.wp_id,
        "wp_title": section.title,
        "subtasks": section.subtasks,
        "dependencies": deps,
    }
    body = templates.fill(templates.WP_PROMPT, feature.mission, root, values)
    head = frontmatter.render(
        {
            "work_package_id": section.wp_id,
            "title": section.title,
            "lane": SyncLane.PLANNED,
            "dependencies": deps,
            "subtasks": section.subtasks,
        }
    )
    return head + body


def _known_mission(root: Path, mission: str | None) -> str:
    """`mission` (default: the project's), if some tier of the runtime defines it; an unknown
    one (a typo) would otherwise be committed to meta.json and fill the spec from the common
    templates."""
    from spec_kitty.runtime.resolve import (
        TemplateError,
        UnmigratedProject,
        available_missions,
        resolve_mission,
    )

    chosen = mission or _default_mission(root)
    try:
        resolve_mission(chosen, root)
    except UnmigratedProject:
        raise
    except TemplateError:
        known = ", ".join(available_missions(root)) or "none"
        given = "--mission" if mission else "workflow.default_mission in .kittify/config.yaml"
        raise ScriptError(
            f"unknown mission {chosen!r} ({given}); known missions: {known}"
        ) from None
    return chosen


def _default_mission(root: Path) -> str:
    """The project's `workflow.default_mission` from .kittify/config.yaml, else software-dev."""
    from spec_kitty.project import read_config

    workflow = read_config(root).get("workflow")
    chosen = workflow.get("default_mission") if isinstance(workflow, dict) else None
    return str(chosen or DEFAULT_MISSION)


def _values(feature: Feature) -> dict:
    return {
        "feature_name": feature.meta.get("friendly_name") or feature.slug[4:],
        "feature_slug": feature.slug,
        "feature_number": feature.number,
        "mission": feature.mission,
        "target_branch": feature.target_branch,
        "created_at": feature.meta.get("created_at"),
    }


def _file_slug(title: str) -> str:
    try:
        return slugify(title)
    except ScriptError:
        return "work-package"


def _relative(root: Path, path: Path) -> str:
    return str(path.relative_to(root))
