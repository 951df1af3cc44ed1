"""Frontmatter edits change one field and keep everything else byte for byte."""

import pytest
import yaml
from spec_kitty.workflow import frontmatter

FILE = """---
work_package_id: "WP05"
subtasks:
  - "T025"
title: "Deprecation and Cleanup"
lane: "planned"
dependencies:
- WP04
# a comment the author wrote
history:
  - lane: "planned"
---
# Body
lane: not frontmatter
"""


def test_setting_the_lane_keeps_its_quotes_and_every_other_line():
    raw, body = frontmatter.split(FILE)
    changed = frontmatter.join(frontmatter.set_field(raw, "lane", "doing"), body)
    assert changed == FILE.replace('lane: "planned"\n', 'lane: "doing"\n', 1)


def test_an_unquoted_lane_stays_unquoted():
    raw, _ = frontmatter.split("---\nlane: planned\ntitle: x\n---\n")
    assert frontmatter.set_field(raw, "lane", "for_review") == "lane: for_review\ntitle: x\n"


def test_a_block_value_is_replaced_whole_and_a_new_key_appended():
    raw, _ = frontmatter.split(FILE)
    changed = frontmatter.set_field(raw, "dependencies", "none")
    assert "- WP04" not in changed and "# a comment the author wrote" in changed
    added = frontmatter.set_field(raw, "base_commit", "0abc")
    assert yaml.safe_load(added)["base_commit"] == "0abc"


def test_rendered_frontmatter_reads_back_as_written():
    fields = {
        "work_package_id": "WP01",
        "title": 'Quotes " and: colons',
        "lane": "planned",
        "dependencies": ["WP02"],
        "subtasks": [],
        "base_commit": "0123abc",
    }
    raw, body = frontmatter.split(frontmatter.render(fields) + "body\n")
    assert frontmatter.parse(raw, "x") == fields
    assert body == "body\n"


@pytest.mark.parametrize(
    "value", ["@agent", "- x", "-", "+1", "-1", ".5", ".inf", "Null", "a: b", "a:", "pad  "]
)
def test_strings_yaml_would_read_otherwise_are_quoted(value):
    raw, _ = frontmatter.split("---\nlane: planned\n---\n")
    assert frontmatter.parse(frontmatter.set_field(raw, "agent", value), "x")["agent"] == value


def test_a_file_without_frontmatter():
    assert frontmatter.split("# just markdown\n---\n") == (None, "# just markdown\n---\n")
