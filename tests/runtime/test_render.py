"""Placeholders: filled when given, left for later when not."""

from spec_kitty.runtime.render import placeholders, render_template


def test_fills_names_with_or_without_spaces():
    text = "# {{ wp_id }}: {{wp_title}}\n{{  feature_slug  }}"
    values = {"wp_id": "WP01", "wp_title": "Parser", "feature_slug": "001-x"}
    assert render_template(text, values) == "# WP01: Parser\n001-x"


def test_unknown_placeholders_are_left_as_they_are():
    text = "{{ feature_name }} by {{ owner }} {{ not a placeholder }}"
    assert render_template(text, {"feature_name": "Export"}) == (
        "Export by {{ owner }} {{ not a placeholder }}"
    )


def test_lists_render_as_tasks_md_writes_them_and_none_renders_empty():
    text = "Subtasks: {{ subtasks }}\nDepends on: {{ dependencies }}{{ target_branch }}"
    values = {"subtasks": ["T001", "T002"], "dependencies": [], "target_branch": None}
    assert render_template(text, values) == "Subtasks: T001, T002\nDepends on: none"
    assert render_template("{{ dependencies }}", {"dependencies": ("WP01", "WP02")}) == "WP01, WP02"
    lines = "- [ ] T001 a\n- [ ] T002 b"
    assert render_template("{{ subtasks }}", {"subtasks": lines}) == lines


def test_values_are_not_rendered_again():
    assert render_template("{{ a }}", {"a": "{{ b }}", "b": "x"}) == "{{ b }}"


def test_placeholders_are_listed_once_in_order():
    assert list(placeholders("{{ b }} {{a}} {{ b }}")) == ["b", "a"]
