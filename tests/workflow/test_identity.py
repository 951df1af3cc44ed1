"""A config.yaml without a sync identity (as spec-kitty 1.x wrote it) gets one, nothing else."""

import re

import pytest
import yaml
from spec_kitty.project import NotAProject, default_slug, identity_of, with_identity
from workflow_support import git

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")

CONFIG_1X = """\
# spec-kitty 1.0.3 settings
vcs:
  type: git   # the only one
agents:
  available:
  - claude
"""


def test_a_config_without_a_project_block_gets_one_appended_and_keeps_every_line():
    text, identity = with_identity(CONFIG_1X, "frank")

    assert text.startswith(CONFIG_1X)
    assert UUID.fullmatch(identity.uuid) and identity.slug == "frank"
    config = yaml.safe_load(text)
    assert list(config) == ["vcs", "agents", "project"]
    assert config["project"] == {"uuid": identity.uuid, "slug": "frank"}
    assert identity_of(config) == identity


def test_missing_keys_go_into_an_existing_project_block_at_its_indentation():
    original = "project:\n    name: Shop  # shown on the dashboard\n    slug: shop\nvcs: git\n"

    text, identity = with_identity(original, "ignored")

    assert identity.slug == "shop"
    assert (
        text
        == f"project:\n    uuid: {identity.uuid}\n    name: Shop  # shown on the dashboard\n"
        + ("    slug: shop\nvcs: git\n")
    )


def test_an_empty_project_key_and_a_file_without_a_final_newline():
    text, identity = with_identity("project:\nvcs: git", "shop")
    assert yaml.safe_load(text) == {
        "project": {"uuid": identity.uuid, "slug": "shop"},
        "vcs": "git",
    }
    appended, _ = with_identity("vcs: git", "shop")
    assert appended.startswith("vcs: git\n") and yaml.safe_load(appended)["vcs"] == "git"


def test_a_config_that_already_has_its_identity_is_returned_as_it_is():
    original = "project:\n  uuid: 0b5c7d1e-8f2a-4c3b-9d6e-1a2b3c4d5e6f\n  slug: shop\n"
    assert with_identity(original, "other") == (original, identity_of(yaml.safe_load(original)))


def test_a_slug_yaml_would_read_as_something_else_is_quoted():
    text, identity = with_identity("vcs: git\n", "yes")
    assert identity.slug == "yes" and yaml.safe_load(text)["project"]["slug"] == "yes"


@pytest.mark.parametrize(
    "config, expected",
    [
        ("project: shop\n", "`project` is str; expected a mapping"),
        ("project: {name: shop}\n", "add by hand"),
        ("- a\n- b\n", "must be a YAML mapping"),
        ("vcs: [git\n", "is not valid YAML"),
    ],
)
def test_a_config_whose_text_cannot_take_the_identity_says_what_to_do(config, expected):
    with pytest.raises(NotAProject, match=re.escape(expected)):
        with_identity(config, "shop")


def test_the_slug_comes_from_the_origin_remote_else_the_folder(tmp_path):
    repo = tmp_path / "My_Folder"
    repo.mkdir()
    git(repo, "init", "-q")
    assert default_slug(repo) == "my-folder"
    git(repo, "remote", "add", "origin", "git@github.com:frank-fs/Frank.git")
    assert default_slug(repo) == "frank"
