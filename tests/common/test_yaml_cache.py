"""The parsed-YAML cache: a file's value is parsed once per text, and never served stale."""

import datetime
import json
import subprocess

import pytest
import yaml
from spec_kitty import yaml_cache
from spec_kitty.project import read_config
from spec_kitty.workflow.init import init_project


class CountingParser:
    def __init__(self):
        self.calls = 0

    def __call__(self, text):
        self.calls += 1
        return yaml.safe_load(text)


@pytest.fixture
def home(spec_kitty_home):
    spec_kitty_home.mkdir(mode=0o700)
    return spec_kitty_home


def test_a_file_is_parsed_once_while_its_text_stays_the_same(home, tmp_path):
    path, parse = tmp_path / "config.yaml", CountingParser()
    text = "project:\n  slug: demo\n"

    assert yaml_cache.load(path, text, parse) == {"project": {"slug": "demo"}}
    assert yaml_cache.load(path, text, parse) == {"project": {"slug": "demo"}}
    assert parse.calls == 1

    changed = "project:\n  slug: renamed\n"
    assert yaml_cache.load(path, changed, parse) == {"project": {"slug": "renamed"}}
    assert parse.calls == 2


def test_values_json_cannot_hold_exactly_are_parsed_every_time(home, tmp_path):
    parse = CountingParser()
    for text, value in (
        ("created: 2026-01-01\n", {"created": datetime.date(2026, 1, 1)}),
        ("1: one\n", {1: "one"}),
    ):
        assert yaml_cache.load(tmp_path / "c.yaml", text, parse) == value
        assert yaml_cache.load(tmp_path / "c.yaml", text, parse) == value
    assert parse.calls == 4


def test_a_damaged_cache_is_ignored_and_replaced(home, tmp_path):
    cache = home / yaml_cache.CACHE_FILE
    cache.write_text("{not json")
    parse = CountingParser()

    assert yaml_cache.load(tmp_path / "c.yaml", "a: 1\n", parse) == {"a": 1}
    assert json.loads(cache.read_text())[str(tmp_path / "c.yaml")]["value"] == {"a": 1}


def test_only_the_latest_files_are_kept(home, tmp_path):
    parse = CountingParser()
    for n in range(yaml_cache.KEPT + 5):
        yaml_cache.load(tmp_path / f"{n}.yaml", f"n: {n}\n", parse)
    kept = json.loads((home / yaml_cache.CACHE_FILE).read_text())
    assert len(kept) == yaml_cache.KEPT
    assert str(tmp_path / f"{yaml_cache.KEPT + 4}.yaml") in kept
    assert str(tmp_path / "0.yaml") not in kept


def test_the_project_config_is_read_anew_after_an_edit(home, tmp_path):
    config = tmp_path / ".kittify" / "config.yaml"
    config.parent.mkdir()
    config.write_text("workflow:\n  default_mission: software-dev\n")
    assert read_config(tmp_path)["workflow"] == {"default_mission": "software-dev"}

    config.write_text("workflow:\n  default_mission: research\n")
    assert read_config(tmp_path)["workflow"] == {"default_mission": "research"}


def test_after_init_the_next_command_reads_the_config_without_the_parser(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    init_project(repo)
    config = repo / ".kittify" / "config.yaml"

    def no_parser(text):
        raise AssertionError("the config written by init was parsed again")

    value = yaml_cache.load(config, config.read_text(), no_parser)
    assert value == yaml.safe_load(config.read_text())
