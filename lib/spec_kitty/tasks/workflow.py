"""Tasks of this concern; filled in as the concern lands."""

TASKS: list = []
