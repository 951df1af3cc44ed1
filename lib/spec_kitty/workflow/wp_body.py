"""The Markdown body of a WP prompt file: its activity log and its review feedback."""

ACTIVITY = "## Activity Log"
FEEDBACK = "## Review Feedback"


def add_to_section(body: str, heading: str, entry: str) -> str:
    """`body` with `entry` at the end of the `heading` section (added at the end if none)."""
    lines = body.splitlines()
    try:
        start = lines.index(heading)
    except ValueError:
        text = body.rstrip("\n")
        return f"{text}\n\n{heading}\n\n{entry.rstrip()}\n"
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    section_tail = [""] if end == start + 1 else []
    new = lines[:end] + section_tail + entry.rstrip().splitlines()
    rest = lines[end:]
    if rest and rest[0].strip():
        new.append("")
    return "\n".join(new + rest) + "\n"


def activity_line(at: str, actor: str, text: str) -> str:
    return f"- {at} – {actor} – {text}"


def feedback_entry(at: str, reviewer: str, feedback: str) -> str:
    return f"### {at} – changes requested by {reviewer}\n\n{feedback.strip()}\n"


def latest_feedback(body: str) -> str | None:
    """The newest review feedback entry (heading and text), or None when there is none."""
    lines = body.splitlines()
    if FEEDBACK not in lines:
        return None
    start = lines.index(FEEDBACK) + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    section = lines[start:end]
    heads = [i for i, line in enumerate(section) if line.startswith("### ")]
    if not heads:
        return "\n".join(section).strip() or None
    return "\n".join(section[heads[-1] :]).strip()
