"""Reading tasks.md: one section per work package, with its title, subtasks and dependencies.

The format finalize-tasks reads, as the tasks template writes it:

    ## WP01: Parse the input
    - [ ] T001 Read the file
    - [ ] T002 Report bad lines with their number
    Depends on: WP02, WP03

A section runs from its heading to the next heading of the same or a higher level. Earlier
spec-kitty releases wrote the same facts in other shapes, all read here:
- headings with the id first: `## Work Package WP01: Title (Priority: P0) 🎯 MVP`,
  `#### WP01: Title [Priority: P1] [P] ✅`, `### WP01 - Title`; priority and trailing marks are
  not part of the title;
- dependency statements: `Depends on WP01 (why)`, `- Depends on WP02 (x), WP03 (y)`,
  `**Dependencies**: WP01, WP02`, the lines of a `### Dependencies` subsection, ranges such as
  `WP01-WP07`, and `None (starting package)`. Only the statement counts: text in parentheses and
  anything after `;`, a dash or a sentence end is the author's explanation, so "can start
  concurrently with WP02" never becomes a dependency.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from spec_kitty.jsonl import ScriptError

_HEADING = re.compile(r"(#{1,6})\s+(.*?)\s*#*\s*$")
_WP_HEADING = re.compile(r"(?:work\s+package\s+)?(WP\d{2})\b\s*[:.\-–—]?\s*(.*)", re.IGNORECASE)
_PRIORITY = re.compile(r"\s*[(\[]\s*priority\b", re.IGNORECASE)
_SUBTASK = re.compile(r"\s*[-*]\s+\[[ xX]\]\s+\**(T\d{3,})\b")
_STATEMENT = re.compile(r"\**\s*(?:depends\s+on|dependencies)\s*\**\s*:?\s*\**\s*(.*)", re.I)
_LIST_LINE = re.compile(r"(?:WP\d{2}|none)\b", re.IGNORECASE)
_EXPLANATION = re.compile(
    r";|\s[—–]\s|\s-\s(?!WP\d)|\.(?:\s|$)|,?\s*\b(?:can|may|could|runs?|concurrently|alongside)\b",
    re.IGNORECASE,
)
# Emoji and what combines with them (variation selectors, joiners); not `+`, `#` or `>`.
_MARKS = {"So", "Mn", "Me", "Cf"}
_IDS = re.compile(r"WP(\d{2})(?:\s*(?:-|–|—|\.\.|to|through)\s*WP(\d{2}))?", re.IGNORECASE)


@dataclass
class TaskSection:
    wp_id: str
    title: str
    line: int
    subtasks: list[str] = field(default_factory=list)
    mentions: list[tuple[str, int]] = field(default_factory=list)  # (subtask, line) each time
    # None: the section states nothing about dependencies; []: it states there are none.
    dependencies: list[str] | None = None


def parse_tasks_md(text: str, where: str = "tasks.md") -> list[TaskSection]:
    """Every work-package section of `text`, in order; ScriptError for a repeated id."""
    sections: list[TaskSection] = []
    current: TaskSection | None = None
    level = 0
    in_dependencies = False
    for lineno, line in enumerate(text.splitlines(), 1):
        heading = _HEADING.fullmatch(line)
        if heading:
            depth, heading_text = len(heading.group(1)), heading.group(2)
            wp = _WP_HEADING.fullmatch(heading_text)
            if wp:
                current = _start_section(sections, wp, lineno, where)
                level, in_dependencies = depth, False
                continue
            if current and depth <= level:
                current = None
            in_dependencies = bool(current) and heading_text.strip().lower() == "dependencies"
            continue
        if current is not None:
            _read_line(current, line, lineno, in_dependencies)
    return sections


def _start_section(sections: list[TaskSection], wp: re.Match, lineno: int, where: str):
    wp_id = wp.group(1).upper()
    for earlier in sections:
        if earlier.wp_id == wp_id:
            raise ScriptError(
                f"{where} line {lineno}: {wp_id} has a second section (first at line "
                f"{earlier.line}); give each work package one section"
            )
    section = TaskSection(wp_id, clean_title(wp.group(2)) or wp_id, lineno)
    sections.append(section)
    return section


def _read_line(section: TaskSection, line: str, lineno: int, in_dependencies: bool) -> None:
    subtask = _SUBTASK.match(line)
    if subtask:
        section.mentions.append((subtask.group(1), lineno))
        if subtask.group(1) not in section.subtasks:
            section.subtasks.append(subtask.group(1))
        return
    stripped = line.strip().lstrip("-*+ ").strip()
    statement = _STATEMENT.fullmatch(stripped)
    if statement:
        clause = statement.group(1)
    elif in_dependencies and _LIST_LINE.match(stripped):
        clause = stripped
    else:
        return
    found = dependency_ids(clause)
    if section.dependencies is None:
        section.dependencies = []
    section.dependencies.extend(d for d in found if d not in section.dependencies)


def dependency_ids(clause: str) -> list[str]:
    """The work packages a dependency statement names, ranges expanded, explanations ignored."""
    statement = re.sub(r"\([^)]*\)", "", clause)
    statement = _EXPLANATION.split(statement, maxsplit=1)[0]
    ids: list[str] = []
    for match in _IDS.finditer(statement):
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) else first
        for number in range(first, max(first, last) + 1):
            if f"WP{number:02d}" not in ids:
                ids.append(f"WP{number:02d}")
    return ids


def clean_title(raw: str) -> str:
    """The title without a priority, `[P]`-style marks, emoji or a trailing `- MVP` label."""
    title = _PRIORITY.split(raw, maxsplit=1)[0].strip()
    while True:
        before = title
        if title.endswith("]") and "[" in title:
            title = title[: title.rindex("[")].rstrip()
        while title and unicodedata.category(title[-1]) in _MARKS:
            title = title[:-1].rstrip()
        if title == before:
            return title.strip(" *_`")


# What an author may have meant as a work package heading: `## WP1: Title`, `## Work package 2`.
_NEAR_HEADING = re.compile(
    r"(?:work\s+package\s*(?:wp)?|wp)[\s_-]*(\d+)\b\s*[:.\-–—]?\s*(.*)", re.IGNORECASE
)
# A line that starts like a work package heading without being one: `**WP01: Title**`.
_PLAIN_HEADING = re.compile(r"[\s*_>+-]*WP(\d{2})\b\s*[:.\-–—]\s*(.+?)[\s*_]*", re.IGNORECASE)


def near_misses(text: str, plain: bool = False) -> list[tuple[int, str, str]]:
    """Headings that look meant for a work package but are not read as one, each as (line
    number, the line, the heading it should be); with `plain`, such lines that are no heading
    at all too."""
    found = []
    for lineno, line in enumerate(text.splitlines(), 1):
        heading = _HEADING.fullmatch(line)
        if heading:
            if _WP_HEADING.fullmatch(heading.group(2)):
                continue
            near = _NEAR_HEADING.fullmatch(heading.group(2))
            if near:
                found.append((lineno, line, _expected(heading.group(1), near)))
        elif plain and (near := _PLAIN_HEADING.fullmatch(line)):
            found.append((lineno, line, _expected("##", near)))
    return found


def _expected(hashes: str, near: re.Match) -> str:
    digits = int(near.group(1))
    wp_id = f"WP{digits:02d}" if 0 < digits < 100 else "WP01"
    return f"{hashes} {wp_id}: {clean_title(near.group(2)) or 'Title'}"


def repeated_subtask(sections: list[TaskSection], where: str) -> str | None:
    """A message naming the first subtask id used a second time (ids are unique per feature)."""
    first: dict[str, tuple[str, int]] = {}
    for section in sections:
        for subtask, lineno in section.mentions:
            if subtask in first:
                wp_id, line = first[subtask]
                free = _next_free(first)
                return (
                    f"{where} line {lineno}: subtask {subtask} of {section.wp_id} is already "
                    f"listed for {wp_id} at line {line}; give each subtask an id of its own "
                    f"(the next free one is {free})"
                )
            first[subtask] = (section.wp_id, lineno)
    return None


def _next_free(used: dict[str, tuple[str, int]]) -> str:
    width = max(len(subtask) - 1 for subtask in used)
    return f"T{max(int(subtask[1:]) for subtask in used) + 1:0{width}d}"
