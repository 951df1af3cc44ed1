"""Properties of the readers and writers over generated input."""

from hypothesis import given, settings
from hypothesis import strategies as st
from spec_kitty.workflow import frontmatter
from spec_kitty.workflow.tasks_md import parse_tasks_md

titles = (
    st.text(
        st.characters(whitelist_categories=("Lu", "Ll", "Nd", "Zs"), whitelist_characters="&/,+'"),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)


@st.composite
def task_lists(draw):
    count = draw(st.integers(1, 12))
    packages = []
    subtask = 1
    for n in range(1, count + 1):
        deps = sorted(draw(st.sets(st.integers(1, n - 1), max_size=3))) if n > 1 else []
        subtasks = []
        for _ in range(draw(st.integers(0, 3))):
            subtasks.append(f"T{subtask:03d}")
            subtask += 1
        packages.append((f"WP{n:02d}", draw(titles), [f"WP{d:02d}" for d in deps], subtasks))
    return packages


@given(task_lists())
@settings(max_examples=150, deadline=None)
def test_tasks_md_in_the_documented_format_reads_back_exactly(packages):
    text = "# Work Packages\n\n" + "".join(
        f"## {wp}: {title}\nDepends on: {', '.join(deps) or 'none'}\n\n**Goal**: get it done.\n"
        + "".join(f"- [ ] {t} Do a part\n" for t in subtasks)
        + "\n"
        for wp, title, deps, subtasks in packages
    )
    read = [(s.wp_id, s.title, s.dependencies, s.subtasks) for s in parse_tasks_md(text)]
    assert read == packages


scalars = st.one_of(st.text(max_size=30), st.integers(-5, 10**12), st.booleans(), st.none())


@given(
    st.dictionaries(st.sampled_from(["title", "lane", "agent", "base_commit"]), scalars),
    st.sampled_from(["lane", "agent", "review_status"]),
    scalars,
)
@settings(max_examples=200, deadline=None)
def test_set_field_changes_that_field_only(fields, key, value):
    raw, _body = frontmatter.split(frontmatter.render(fields) + "# body\n")
    changed = frontmatter.parse(frontmatter.set_field(raw, key, value), "generated")
    assert changed == {**fields, key: value}
