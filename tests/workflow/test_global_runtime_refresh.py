"""Workflow commands fill templates from a global runtime of this version, quietly when current."""

import json

from spec_kitty.runtime.manifest import content_hash
from spec_kitty.shipped import shipped_dir

SPEC = "missions/software-dev/templates/spec-template.md"
OLDER_SPEC = "# Spec of an earlier release for {{ feature_name }}\n"


def leave_an_earlier_release(kittify):
    """The global runtime as an earlier release installed it: its own spec template, untouched."""
    (kittify / SPEC).write_text(OLDER_SPEC)
    manifest = json.loads((kittify / "manifest.json").read_text())
    manifest["files"][SPEC] = content_hash(OLDER_SPEC.encode())
    manifest["version"] = "0.0.9"
    (kittify / "manifest.json").write_text(json.dumps(manifest))


def test_a_workflow_command_updates_what_an_earlier_release_installed(
    script, project, isolated_homes
):
    kittify = isolated_homes / ".kittify"
    leave_an_earlier_release(kittify)

    done = script("spec-kitty", "create-feature", "Checkout flow", "--json", cwd=project)

    assert done.returncode == 0, done.stderr
    assert (kittify / SPEC).read_bytes() == (shipped_dir("templates") / SPEC).read_bytes()
    assert b"updated 1 file(s)" in done.stderr
    spec = project / "kitty-specs" / json.loads(done.stdout)["feature"] / "spec.md"
    assert "earlier release" not in spec.read_text()


def test_a_current_global_runtime_costs_no_output(script, project, isolated_homes):
    manifest = isolated_homes / ".kittify" / "manifest.json"
    before = manifest.read_bytes()

    done = script("spec-kitty", "create-feature", "Checkout flow", cwd=project)

    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    assert manifest.read_bytes() == before


def test_a_new_version_with_the_same_defaults_is_recorded_silently(script, project, isolated_homes):
    manifest = isolated_homes / ".kittify" / "manifest.json"
    older = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**older, "version": "0.0.9"}))

    done = script("spec-kitty", "create-feature", "Checkout flow", cwd=project)

    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    assert json.loads(manifest.read_text())["version"] != "0.0.9"


def test_a_global_runtime_that_cannot_be_updated_is_a_warning_not_a_failure(
    project, isolated_homes, capsys
):
    from spec_kitty.workflow.planning import create_feature

    (isolated_homes / ".kittify" / "manifest.json").write_text("{ torn")

    slug = create_feature(project, "Checkout flow", None)["feature"]

    assert (project / "kitty-specs" / slug / "spec.md").is_file()
    assert "global runtime not updated" in capsys.readouterr().err
