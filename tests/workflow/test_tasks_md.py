"""tasks.md in our format and in the shapes earlier spec-kitty releases wrote."""

import pytest
from spec_kitty.jsonl import ScriptError
from spec_kitty.workflow.tasks_md import clean_title, dependency_ids, parse_tasks_md


def by_id(text: str) -> dict:
    return {s.wp_id: s for s in parse_tasks_md(text)}


def test_own_format_gives_titles_subtasks_and_dependencies():
    sections = by_id(
        """# Work Packages
## WP01: Parse the input
- [ ] T001 Read the file
- [x] T002 Report bad lines
## WP02: Write the output
- [ ] T003 Write it
Depends on: WP01
"""
    )
    assert sections["WP01"].title == "Parse the input"
    assert sections["WP01"].subtasks == ["T001", "T002"]
    assert sections["WP01"].dependencies is None
    assert sections["WP02"].dependencies == ["WP01"]


@pytest.mark.parametrize(
    ("heading", "title"),
    [
        ("## Work Package WP01: Core Discovery (Priority: P0)", "Core Discovery"),
        ("## Work Package WP01: Setup Page (Priority: P1) 🎯 MVP", "Setup Page"),
        ("## Work Package WP01: Integration (Priority: P1) - MVP", "Integration"),
        ("#### WP01: Foundation Layer [Priority: P1] ✅", "Foundation Layer"),
        ("#### WP01: Dashboard Handlers [Priority: P3] [P]", "Dashboard Handlers"),
        ("### WP01 - Event Export", "Event Export"),
        ("## WP01: F# RDF Foundation", "F# RDF Foundation"),
        (
            "## Work Package WP01: Handoff + Tuple (Priority: P0) 🏁 Evidence Gate",
            "Handoff + Tuple",
        ),
    ],
)
def test_heading_dialects(heading, title):
    (section,) = parse_tasks_md(f"{heading}\n- [ ] T001 x\n")
    assert (section.wp_id, section.title, section.subtasks) == ("WP01", title, ["T001"])


def test_a_dependencies_subsection_in_the_1x_layout():
    sections = by_id(
        """## Work Package WP03: Game Engine (Priority: P0)
### Included Subtasks
- [x] T012 Engine
### Parallel Opportunities
- T012 and T013 are fully parallel; WP03 can run in parallel with WP02
### Dependencies
- Depends on WP01 (for types); can start concurrently with WP02
### Risks & Mitigations
- WP02 might slip
## Work Package WP04: Setup Page (Priority: P1)
### Dependencies
- Depends on WP02 (bankStore), WP03 (gameStore + startGame)
## Work Package WP05: Final
### Dependencies
- Depends on WP02, WP03, WP04 — verification is the gate and should be last after WP06.
## Work Package WP06: Start
### Dependencies
- None (starting package).
## Dependency & Execution Summary
- WP01 -> WP06
"""
    )
    assert sections["WP03"].dependencies == ["WP01"]
    assert sections["WP03"].subtasks == ["T012"]
    assert sections["WP04"].dependencies == ["WP02", "WP03"]
    assert sections["WP05"].dependencies == ["WP02", "WP03", "WP04"]
    assert sections["WP06"].dependencies == []


def test_bold_dependencies_lines_and_ranges_of_the_0x_layout():
    sections = by_id(
        """## Work Packages
### Setup Phase
#### WP01: Foundation Layer [Priority: P1] ✅
**Dependencies**: None (foundation layer)
---
### Foundational Phase
#### WP02: CLI Commands [Priority: P3] [P]
**Dependencies**: WP01 (cli/ui.py), WP04 (core services)
### Polish Phase
#### WP08: Integration and Cleanup [Priority: P4]
- [ ] T070: Update main module
**Dependencies**: WP01-WP07 (all previous work)
## Parallelization Strategy
**Dependencies**: WP09
"""
    )
    assert sections["WP01"].dependencies == []
    assert sections["WP02"].dependencies == ["WP01", "WP04"]
    assert sections["WP08"].dependencies == [f"WP0{n}" for n in range(1, 8)]
    assert sections["WP08"].subtasks == ["T070"]


def test_a_mention_of_concurrency_is_not_a_dependency():
    assert dependency_ids("WP01 (for types); can start concurrently with WP02") == ["WP01"]
    assert dependency_ids("WP01, can run alongside WP02") == ["WP01"]
    assert dependency_ids("None (starting package)") == []


def test_a_work_package_with_two_sections_is_refused_with_both_lines():
    with pytest.raises(ScriptError, match=r"line 3: WP01 has a second section \(first at line 1\)"):
        parse_tasks_md("## WP01: A\n\n## WP01: B\n", "tasks.md")


def test_clean_title_keeps_symbols_that_are_part_of_the_name():
    assert clean_title("C# and C++ support [P]") == "C# and C++ support"
    assert clean_title("<A placeholder> ✅") == "<A placeholder>"


def test_the_shipped_tasks_template_is_in_the_format_it_documents():
    from spec_kitty.shipped import shipped_dir

    template = shipped_dir("templates") / "missions/software-dev/templates/tasks-template.md"
    sections = parse_tasks_md(template.read_text())
    assert [(s.wp_id, s.dependencies) for s in sections] == [
        ("WP01", []),
        ("WP02", ["WP01"]),
        ("WP03", ["WP01", "WP02"]),
    ]
    assert sections[0].title.startswith("<Foundations") and sections[0].title.endswith(">")
    assert sections[0].subtasks == ["T001", "T002"]
