"""spec-kitty 2.x's spelling of our commands (`sync now`, `agent feature create-feature`, ...):
the same task with the same flags, its help, --list, and a group named without its command."""

import json

import pytest
from factories import envelope
from kitty_testing import DEMO_PASSWORD, DEMO_USER, fill_queue, git, run_installed
from scripts_support import run_in_process
from spec_kitty.events.lanes import Lane
from spec_kitty.tasks.aliases import ALIASES
from spec_kitty.tasks.program import spec_kitty_program, task_context

NAMESPACE = spec_kitty_program().namespace


def arguments(task_name: str) -> list:
    return list(task_context(NAMESPACE, task_name).args.values())


def parsed(*argv: str) -> list[tuple[str, dict]]:
    """The tasks `spec-kitty ARGV` would run, each with the value of every one of its flags."""
    program = spec_kitty_program()
    program.create_config()
    program.parse_core(["spec-kitty", *argv])
    program.parse_collection()
    program.parse_tasks()
    return [(ctx.name, {k: arg.value for k, arg in ctx.args.items()}) for ctx in program.tasks]


def every_flag(task_name: str) -> list[str]:
    """A value for every flag of a task: what a user could give it."""
    values = {bool: [], int: ["3"], float: ["2.5"], str: ["x1"], list: ["a"]}
    argv = []
    for arg in arguments(task_name):
        flag = f"--{arg.name.replace('_', '-')}"
        given = ["WP01"] if arg.name == "wp" else values[arg.kind]
        argv += given if arg.positional else [flag, *given]
    return argv


@pytest.mark.parametrize("alias", ALIASES, ids=lambda alias: alias.spelling)
def test_every_spelling_runs_its_task_with_the_same_flags(alias):
    flags = every_flag(alias.task)
    assert parsed(*alias.words, *flags) == parsed(alias.task, *flags)
    assert parsed(*alias.words, *flags)[0][0] == alias.task


def test_the_2x_flags_with_an_equivalent_mean_ours():
    assert parsed("agent", "tasks", "move-task", "WP01", "--to", "doing", "--no-auto-commit") == (
        parsed("move-task", "WP01", "--to", "doing", "--no-commit")
    )
    assert parsed("agent", "tasks", "move-task", "WP01", "--to", "doing", "--auto-commit") == (
        parsed("move-task", "WP01", "--to", "doing")
    )
    assert parsed("sync", "now", "--strict", "--report", "F") == parsed("sync-now", "--report", "F")
    assert parsed("sync", "status", "-c") == parsed("sync-status", "--check")
    assert parsed("auth", "login", "-u", "demo", "--force") == parsed("auth-login", "-u", "demo")
    assert parsed("agent", "tasks", "status", "-f", "001") == parsed("board", "--feature", "001")
    assert parsed("agent", "tasks", "status", "-f001") == parsed("board", "--feature", "001")
    # A flag's value is passed on as given, even when it spells a 2.x flag.
    noted = parsed(
        "agent", "tasks", "move-task", "WP01", "--to", "doing", "--note", "--auto-commit"
    )
    assert noted[0][1]["note"] == "--auto-commit" and noted[0][1]["no-commit"] is False


@pytest.mark.parametrize(
    "argv, named",
    [
        (["auth", "login", "-u", "demo", "-p", "hunter2"], "-p is not accepted here"),
        (["auth", "login", "--password=hunter2"], "--password is not accepted here"),
        (["auth", "login", "-phunter2"], "-p is not accepted here"),
        (["sync", "now", "--no-strict"], "--no-strict is not accepted here"),
        (["agent", "feature", "create-feature", "x", "--target-branch", "dev"], "--target-branch"),
        (
            ["agent", "tasks", "move-task", "WP01", "--to", "done", "--approval-ref", "PR#4"],
            "review",
        ),
    ],
)
def test_2x_flags_without_an_equivalent_are_refused_with_what_to_use(capsys, argv, named):
    code, out, err = run_in_process(capsys, *argv)
    assert code == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith(f"spec-kitty {' '.join(argv[:2])}") and named in line
    assert "hunter2" not in line


@pytest.mark.parametrize("name", sorted(NAMESPACE.tasks))
def test_help_for_every_task_in_both_places(capsys, name):
    flags = [f"--{arg.name.replace('_', '-')}" for arg in arguments(name)]
    for argv in ([name, "--help"], ["--help", name], [name, "-h"], ["-h", name]):
        code, out, err = run_in_process(capsys, *argv)
        assert code == 0 and err == "", argv
        assert out.startswith(f"Usage: spec-kitty [--core-opts] {name} "), argv
        assert all(flag in out for flag in flags), argv


@pytest.mark.parametrize("alias", ALIASES, ids=lambda alias: alias.spelling)
def test_help_for_every_spelling(capsys, alias):
    for argv in ([*alias.words, "--help"], ["--help", *alias.words], [*alias.words, "-h"]):
        code, out, _err = run_in_process(capsys, *argv)
        assert code == 0, argv
        assert out.startswith(f"Usage: spec-kitty [--core-opts] {alias.task} "), argv
        assert f"spec-kitty {alias.spelling}\n" in out


def test_help_is_never_taken_as_a_positional_value(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for argv in (
        ["implement", "--help"],
        ["implement", "WP01", "--help"],
        ["implement", "--feature", "001", "-h"],
        ["create-feature", "--help"],
        ["agent", "feature", "create-feature", "--help"],
        ["specify", "--mission", "research", "--help"],
        ["move-task", "WP01", "--to", "doing", "--help"],
    ):
        code, out, err = run_in_process(capsys, *argv)
        assert code == 0 and out.startswith("Usage: spec-kitty") and err == "", argv
    # As the value of a flag, --help is that value (here, a note nobody would write).
    code, _out, err = run_in_process(capsys, "move-task", "WP01", "--to", "doing", "--note", "-h")
    assert code == 2 and "not inside a spec-kitty project" in err


def test_task_help_from_the_console_script_keeps_every_flag_description(tmp_path):
    done = run_installed("spec-kitty", "implement", "--help", cwd=tmp_path)
    assert done.returncode == 0
    assert b"start although a dependency is not done (needs" in done.stdout
    done = run_installed("spec-kitty", "sync", "now", "--help", cwd=tmp_path)
    assert b"write per-event failure details to this" in done.stdout
    assert b"--no-strict: not accepted" in done.stdout


def test_list_shows_every_spelling_beside_its_task(capsys):
    code, out, _err = run_in_process(capsys, "--list")
    assert code == 0
    tasks, spellings = out.split("spec-kitty 2.x spellings")
    assert "  sync-now " in tasks and "sync now" not in tasks
    listed = {tuple(line.split("=")) for line in spellings.splitlines()[1:] if "=" in line}
    assert {(left.strip(), right.strip()) for left, right in listed} == {
        (alias.spelling, alias.task) for alias in ALIASES
    }
    code, out, _err = run_in_process(capsys, "--list", "--list-format", "json")
    assert json.loads(out)["tasks"]  # nothing but the JSON


@pytest.mark.parametrize(
    "argv, offered, hint",
    [
        (
            ["sync"],
            ["sync now", "sync status", "sync diagnose"],
            "sync: name one of: now, status, ",
        ),
        (
            ["agent", "feature"],
            ["agent feature create-feature", "agent feature setup-plan"],
            "agent feature: name one of: create-feature, setup-plan, finalize-tasks",
        ),
        (
            ["agent"],
            ["agent tasks move-task", "agent tasks status"],
            "agent: name one of: feature,",
        ),
        (["auth", "--json"], ["auth login", "auth logout"], "auth: name one of: login, logout, st"),
        (["sync", "later"], ["sync now"], "sync: no 'later' here; name one of: now, status, diag"),
    ],
)
def test_a_group_alone_lists_what_it_offers_and_exits_2(capsys, argv, offered, hint):
    code, out, err = run_in_process(capsys, *argv)
    assert code == 2 and out == ""
    assert all(f"  {spelling} " in err for spelling in offered)
    assert err.strip().splitlines()[-1].startswith(f"spec-kitty {hint}")


def test_a_group_with_help_lists_what_it_offers(capsys):
    for argv in (["sync", "--help"], ["--help", "agent", "feature"], ["-h", "auth"]):
        code, out, err = run_in_process(capsys, *argv)
        assert code == 0 and err == "", argv
        assert " offers:" in out and "= " in out


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "commit", "-q", "--allow-empty", "-m", "initial commit")
    assert run_installed("spec-kitty", "init", cwd=root).returncode == 0
    return root


def kitty(root, *argv, ok=True):
    done = run_installed("spec-kitty", *argv, cwd=root)
    if ok:
        assert done.returncode == 0, (argv, done.stderr.decode())
    return done


def test_the_2x_workflow_spelling_end_to_end(project):
    created = json.loads(
        kitty(
            project,
            *("agent", "feature", "create-feature", "checkout-flow"),
            *("--mission", "software-dev", "--json"),
        ).stdout
    )
    slug = created["feature"]
    assert (slug, created["mission"]) == ("001-checkout-flow", "software-dev")
    kitty(project, "agent", "feature", "setup-plan", "--json")
    (project / "kitty-specs" / slug / "tasks.md").write_text(
        "## WP01: Cart\n- [ ] T001 Cart\n\n## WP02: Pay\nDepends on: WP01\n- [ ] T002 Pay\n"
    )
    finalized = json.loads(kitty(project, "agent", "feature", "finalize-tasks", "--json").stdout)
    assert [c["wp_id"] for c in finalized["created"]] == ["WP01", "WP02"]

    moved = kitty(project, "agent", "tasks", "move-task", "WP01", "--to", "doing", "--json")
    assert json.loads(moved.stdout)["to_lane"] == "in_progress"
    log = (project / "kitty-specs" / slug / "status.events.jsonl").read_text().splitlines()
    assert json.loads(log[-1])["to_lane"] == "in_progress"
    status = kitty(project, "agent", "tasks", "status", "--json")
    assert status.stdout == kitty(project, "board", "--json").stdout
    assert "doing (in_progress): 1" in kitty(project, "agent", "tasks", "status").stdout.decode()

    # The top-level 2.x shortcuts.
    second = json.loads(kitty(project, "specify", "Second idea", "--json").stdout)["feature"]
    kitty(project, "plan", "--feature", second)
    assert (project / "kitty-specs" / second / "plan.md").is_file()
    (project / "kitty-specs" / second / "tasks.md").write_text("## WP01: Only\n- [ ] T001 X\n")
    kitty(project, "tasks", "--feature", second)
    assert (project / "kitty-specs" / second / "tasks" / "WP01-only.md").is_file()


def test_move_task_without_to_names_the_flag_and_the_lanes(project):
    kitty(project, "create-feature", "One")
    done = kitty(project, "agent", "tasks", "move-task", "WP01", ok=False)
    assert done.returncode == 2
    message = done.stderr.decode().strip()
    assert message.startswith("spec-kitty move-task: give --to LANE, the lane to move WP01 to: ")
    assert all(lane.value in message for lane in Lane) and "doing (in_progress)" in message


def test_an_unknown_mission_is_refused_with_the_known_ones(project):
    done = kitty(
        project, "agent", "feature", "create-feature", "x", "--mission", "sofware-dev", ok=False
    )
    assert done.returncode == 2
    message = done.stderr.decode().strip()
    assert message.startswith(
        "spec-kitty create-feature: unknown mission 'sofware-dev' (--mission); known missions: "
    )
    assert "software-dev" in message.rpartition(":")[2]
    assert not (project / "kitty-specs").exists()


def test_the_2x_sync_and_auth_spelling_end_to_end(tmp_path, reference_server):
    login = run_installed(
        "spec-kitty",
        *("auth", "login", "--server", reference_server.url, "--username", DEMO_USER),
        *("--password-stdin", "--force"),
        input=DEMO_PASSWORD + "\n",
        cwd=tmp_path,
    )
    assert login.returncode == 0, login.stderr
    status = json.loads(kitty(tmp_path, "auth", "status", "--json").stdout)
    assert status["username"] == DEMO_USER and status["refresh_valid"]

    fill_queue([envelope(1), envelope(2, to_lane="sideways")])
    diagnosed = json.loads(kitty(tmp_path, "sync", "diagnose", "--json", ok=False).stdout)
    assert (diagnosed["checked"], diagnosed["invalid"]) == (2, 1)

    report = tmp_path / "report.json"
    sync = kitty(tmp_path, "sync", "now", "--report", str(report), ok=False)
    assert sync.returncode == 1 and b"Synced: 1" in sync.stdout
    failures = json.loads(report.read_text())["failures"]
    assert [f["event_id"] for f in failures] == [envelope(2)["event_id"]]

    checked = json.loads(kitty(tmp_path, "sync", "status", "--check", "--json").stdout)
    assert checked["sync"]["state"] == "connected"
    kitty(tmp_path, "auth", "logout")
    assert kitty(tmp_path, "sync", "status", "--check", ok=False).returncode == 4
