"""Helpers of the script tests: running `spec-kitty` in the test's own process."""

from spec_kitty.tasks.program import spec_kitty_program


def run_in_process(capsys, *argv: str) -> tuple[int, str, str]:
    """`spec-kitty ARGV` through the Program in this process: (exit code, stdout, stderr)."""
    program = spec_kitty_program()
    # invoke hands a task's help strings to the first parser that asks and keeps none; a
    # process runs one Program, a test module many.
    kept = {task: dict(task.help) for task in program.namespace.tasks.values()}
    try:
        program.run(["spec-kitty", *argv])
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    finally:
        for task, strings in kept.items():
            task.help = strings
    out, err = capsys.readouterr()
    return code, out, err
