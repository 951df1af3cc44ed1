"""`spec-kitty` is the invoke Program over the package's tasks, usable from any directory."""

import json

from factories import status_event
from kitty_testing import json_lines, run_installed


def test_list_and_task_help_work_outside_any_project(tmp_path):
    listed = run_installed("spec-kitty", "--list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert b"queue-requeue" in listed.stdout
    helped = run_installed("spec-kitty", "--help", "queue-requeue", cwd=tmp_path)
    assert helped.returncode == 0
    assert b"--all-failed" in helped.stdout


def test_task_errors_are_one_line_with_the_usage_code(tmp_path):
    done = run_installed("spec-kitty", "queue-requeue", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.decode().strip() == (
        "spec-kitty queue-requeue: give --all-failed, --all-held, or one or more --event-id ID"
    )


def test_requeue_brings_dead_letters_back(tmp_path):
    from spec_kitty.queue.store import Queue

    event = status_event()
    run_installed("enqueue", input=json.dumps(event) + "\n")
    with Queue() as queue:
        queue.ack([{"event_id": event["event_id"], "status": "rejected"}], max_rejections=1)
    assert json_lines(run_installed("queue-export").stdout) == []
    done = run_installed("spec-kitty", "queue-requeue", "--all-failed", cwd=tmp_path)
    assert done.returncode == 0
    assert b"requeued 1 dead-lettered event(s)" in done.stderr
    assert [e["event_id"] for e in json_lines(run_installed("queue-export").stdout)] == [
        event["event_id"]
    ]


def test_usage_errors_are_one_line_and_exit_2(tmp_path):
    cases = {
        ("nosuch",): "No idea what 'nosuch' is!",
        ("sync-now", "--bogus"): "No idea what '--bogus' is!",
        ("implement",): "did not receive required positional arguments: 'wp'",
        ("sync-status", "--top", "abc"): "--top expects a whole number, got 'abc'",
        ("sync-status", "--timeout=soon", "--check"): "--timeout expects a number, got 'soon'",
        ("sync-status", "--top", "0"): "--top expects a whole number of at least 1, got 0",
    }
    for argv, expected in cases.items():
        done = run_installed("spec-kitty", *argv, cwd=tmp_path)
        assert done.returncode == 2, argv
        lines = done.stderr.decode().strip().splitlines()
        assert len(lines) == 1 and expected in lines[0], (argv, lines)


def test_a_task_writing_into_a_pipe_its_reader_left_ends_quietly():
    import os
    import subprocess

    from factories import envelope
    from kitty_testing import VENV_BIN, fill_queue

    fill_queue([envelope(0)])
    reader, writer = os.pipe()
    os.close(reader)  # as `spec-kitty sync-status | head -1` once head has its line
    try:
        done = subprocess.run(
            [str(VENV_BIN / "spec-kitty"), "sync-status"], stdout=writer, stderr=subprocess.PIPE
        )
    finally:
        os.close(writer)

    assert (done.returncode, done.stderr) == (0, b"")


def test_spec_kitty_starts_without_what_invoke_loads_for_everyone(tmp_path):
    """invoke imports unittest.mock, importlib.metadata, a YAML parser and logging for everyone;
    spec-kitty's start-up skips them (half of it), and whatever uses them later still gets the
    real modules: invoke's version, MockContext, a project's invoke.yaml, logging."""
    import subprocess
    import sys

    (tmp_path / "invoke.yaml").write_text("run:\n  echo: true\n")
    probe = (
        "import sys\n"
        "from spec_kitty.tasks.program import spec_kitty_program\n"
        "heavy = ('unittest.mock', 'asyncio', 'importlib.metadata', 'email',"
        " 'invoke.vendor.yaml', 'logging')\n"
        "skipped = [m for m in heavy if m in sys.modules]\n"
        "import invoke, importlib.metadata, unittest.mock, logging\n"
        "context = invoke.MockContext(run={'ls': invoke.Result('listed')})\n"
        f"config = invoke.Config(project_location={str(tmp_path)!r})\n"
        "config.load_project()\n"
        "print(skipped, invoke.__version__ == importlib.metadata.version('invoke'),"
        " context.run('ls').stdout, isinstance(context.run, unittest.mock.Mock), config.run.echo,"
        " callable(logging.getLogger('invoke').handle))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "True", "listed", "True", "True", "True"]


def test_debug_shows_invokes_messages_named_by_where_they_come_from(tmp_path):
    done = run_installed("spec-kitty", "--debug", "--version", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "invoke.program.parse_core: Saw --version" in done.stderr.decode()
