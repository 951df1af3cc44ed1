"""The dashboard's HTTP surface: every endpoint, the run's key, the Host and Origin checks."""

import json
import re

import pytest
import requests
from dashboard_support import AGENT, FEEDBACK, TOKEN
from factories import envelope
from kitty_testing import fill_queue, git, login, run_installed, store_login
from spec_kitty.dashboard.app import STATIC
from spec_kitty.queue.store import Queue


def get(dashboard, path: str, **headers) -> requests.Response:
    return requests.get(dashboard.url + path, headers=headers, timeout=10)


def sync_now(dashboard, **headers) -> requests.Response:
    return requests.post(dashboard.url + "/api/sync-now", headers=headers, timeout=60)


def cards(board: dict, feature: str) -> dict[str, dict]:
    [found] = [f for f in board["features"] if f["feature"] == feature]
    return {card["wp_id"]: card for card in found["work_packages"]}


def test_the_board_lists_every_feature_newest_first_with_each_card_in_its_lanes(dashboard):
    answer = get(dashboard, "/api/board")

    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    board = answer.json()
    assert board["project"] == "shop"
    assert board["lanes"]["cli"] == ["planned", "doing", "for_review", "done"]
    assert board["lanes"]["canonical"][:7] == [
        "planned",
        "claimed",
        "in_progress",
        "for_review",
        "done",
        "blocked",
        "canceled",
    ]
    assert [f["feature"] for f in board["features"]] == ["002-search", "001-checkout-flow"]
    checkout = cards(board, "001-checkout-flow")
    assert {wp: (c["lane"], c["cli_lane"]) for wp, c in checkout.items()} == {
        "WP01": ("in_progress", "doing"),
        "WP02": ("planned", "planned"),
        "WP03": ("planned", "planned"),
    }
    assert checkout["WP01"]["agent"] == AGENT
    assert checkout["WP01"]["last_moved_by"] == AGENT
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", checkout["WP01"]["last_moved_at"])
    assert checkout["WP02"]["title"] == "Cart page"
    assert checkout["WP02"]["dependencies"] == [
        {"wp_id": "WP01", "lane": "in_progress", "cli_lane": "doing", "done": False}
    ]
    assert FEEDBACK.strip() in checkout["WP03"]["review_feedback"]
    assert checkout["WP01"]["review_feedback"] is None
    assert cards(board, "002-search")["WP01"]["last_moved_at"] is None


def test_a_change_made_with_the_cli_shows_in_the_next_answer(dashboard, project):
    assert cards(get(dashboard, "/api/board").json(), "001-checkout-flow")["WP01"]["lane"] == (
        "in_progress"
    )

    moved = run_installed(
        "spec-kitty", "move-task", "WP01", "--to", "blocked", "--feature", "001", cwd=project
    )

    assert moved.returncode == 0, moved.stderr
    card = cards(get(dashboard, "/api/board").json(), "001-checkout-flow")["WP01"]
    assert (card["lane"], card["cli_lane"]) == ("blocked", "doing")


def test_a_feature_whose_files_cannot_be_read_is_reported_and_the_others_still_shown(
    dashboard, project
):
    (project / "kitty-specs" / "002-search" / "status.events.jsonl").write_text("not json\n{}\n")

    board = get(dashboard, "/api/board").json()

    [search] = [f for f in board["features"] if f["feature"] == "002-search"]
    assert "status.events.jsonl line 1: not a JSON object" in search["error"]
    assert len(cards(board, "001-checkout-flow")) == 3


def test_a_lane_nobody_knows_keeps_its_name_and_a_stale_file_is_a_disagreement(dashboard, project):
    search = next((project / "kitty-specs" / "002-search" / "tasks").glob("WP01-*.md"))
    search.write_text(search.read_text().replace("lane: planned", "lane: parked"))
    cart = next((project / "kitty-specs" / "001-checkout-flow" / "tasks").glob("WP01-*.md"))
    cart.write_text(cart.read_text().replace("lane: doing", "lane: done"))

    board = get(dashboard, "/api/board").json()

    card = cards(board, "002-search")["WP01"]
    assert (card["lane"], card["cli_lane"]) == ("parked", "parked")
    [checkout] = [f for f in board["features"] if f["feature"] == "001-checkout-flow"]
    assert checkout["disagreements"] == [
        {"wp_id": "WP01", "status log": "in_progress", "frontmatter": "done", "truth": "status log"}
    ]


def test_history_gives_a_work_packages_moves_from_the_status_log(dashboard):
    answer = get(dashboard, "/api/history/001-checkout-flow/WP03")

    assert answer.status_code == 200
    history = answer.json()
    assert (history["feature"], history["wp_id"], history["title"]) == (
        "001-checkout-flow",
        "WP03",
        "Discounts",
    )
    assert [(e["from_lane"], e["to_lane"]) for e in history["events"]] == [
        ("planned", "for_review"),
        ("for_review", "planned"),
    ]
    assert history["events"][0]["force"] is True
    assert FEEDBACK.strip() in history["review_feedback"]


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/api/history/009-nothing/WP01", "no work package 'WP01' in feature '009-nothing'"),
        ("/api/history/001-checkout-flow/WP09", "no work package 'WP09' in feature"),
        ("/api/history/001-checkout-flow/nonsense", "no work package 'nonsense' in feature"),
        ("/api/history/..%2F..%2Fetc/WP01", "not found"),
    ],
)
def test_history_of_something_that_is_not_there_is_a_404_naming_it(dashboard, path, error):
    answer = get(dashboard, path)
    assert answer.status_code == 404
    assert error in answer.json()["error"]


def test_sync_health_shows_queue_failures_held_outbox_and_login_without_tokens(
    dashboard, spec_kitty_home
):
    fill_queue([envelope(i) for i in range(3)])
    with Queue() as queue:
        [first, second, *_] = [json.loads(text)["event_id"] for text in queue.export()]
        queue.ack(
            [
                {
                    "event_id": first,
                    "status": "rejected",
                    "error": "payload.wp_id is required",
                    "category": "schema_mismatch",
                },
                {
                    "event_id": second,
                    "status": "rejected",
                    "error": "lane 'parked' unknown",
                    "category": "unknown_lane",
                },
            ]
        )
    (spec_kitty_home / "event-outbox.jsonl").write_text('{"a": 1}\n{"b": 2}\n')
    store_login("http://127.0.0.1:9", access="secret-access-abc", refresh="secret-refresh-xyz")

    answer = get(dashboard, "/api/sync")

    assert answer.status_code == 200
    health = answer.json()
    queue_stats, account = health["queue"], health["account"]
    assert account["pending"] >= 3
    assert queue_stats["retry_counts"]["1"] == 2
    assert queue_stats["oldest_event_age_seconds"] > 0
    assert (account["held"], account["dead_lettered"], account["salvaged"]) == (0, 0, [])
    assert account["outbox"] == 2
    assert account["outbox_path"] == str(spec_kitty_home / "event-outbox.jsonl")
    assert "the next `spec-kitty sync-now` queues and sends them" in account["next_steps"]["outbox"]
    assert [(f["category"], f["count"]) for f in health["failures"]] == [
        ("schema_mismatch", 1),
        ("unknown_lane", 1),
    ]
    assert "validate-events" in health["failures"][0]["next_step"]
    assert health["failures"][1]["reasons"] == [{"reason": "lane 'parked' unknown", "count": 1}]
    login_state = health["login"]
    assert (login_state["state"], login_state["username"]) == ("logged_in", "demo")
    assert login_state["access_expires_at"] and login_state["refresh_expires_at"]
    assert "secret-access-abc" not in answer.text and "secret-refresh-xyz" not in answer.text
    assert health["last_sync"] is None


def test_sync_now_needs_the_runs_key(dashboard):
    for headers in ({}, {"X-Dashboard-Token": "wrong"}, {"X-Dashboard-Token": TOKEN[:-1]}):
        answer = sync_now(dashboard, **headers)
        assert answer.status_code == 403
        assert "open the URL that `spec-kitty dashboard` printed" in answer.json()["error"]
    assert get(dashboard, "/api/sync").json()["last_sync"] is None


def test_sync_now_runs_the_sync_and_answers_its_summary(dashboard, reference_server):
    login(reference_server.url)
    fill_queue([envelope(i) for i in range(4)])
    with Queue() as queue:
        queued = len(list(queue.export()))

    answer = sync_now(dashboard, **{"X-Dashboard-Token": TOKEN, "Origin": dashboard.url})

    assert answer.status_code == 200
    result = answer.json()
    assert result["exit_code"] == 0
    assert result["summary"]["synced"] == queued
    assert (result["summary"]["failed"], result["summary"]["duplicates"]) == (0, 0)
    assert len(reference_server.stored_events()) == queued
    health = get(dashboard, "/api/sync").json()
    assert health["account"]["pending"] == 0
    assert health["last_sync"]["synced"] == queued
    assert health["last_sync"]["line"] == f"Synced: {queued}, Duplicates: 0, Failed: 0"


def test_sync_now_offline_answers_the_exit_code_and_the_message(dashboard):
    store_login("http://127.0.0.1:9")
    fill_queue([envelope(0)])

    result = sync_now(dashboard, **{"X-Dashboard-Token": TOKEN}).json()

    assert result["exit_code"] == 3
    assert any("127.0.0.1:9" in message for message in result["messages"])


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:{port}",
        "127.0.0.1",
        "127.0.0.1:1",
        "localhost:1",
        "[::1]:{port}",
    ],
)
def test_a_request_naming_another_host_is_refused(dashboard, host):
    host = host.format(port=dashboard.port)
    for path in ("/", "/api/board", "/api/sync", "/static/dashboard.js"):
        answer = get(dashboard, path, Host=host)
        assert answer.status_code == 403, path
        assert f"Host {host.lower()!r} is not this dashboard" in answer.json()["error"]
    answer = sync_now(dashboard, Host=host, **{"X-Dashboard-Token": TOKEN})
    assert answer.status_code == 403
    assert get(dashboard, "/api/sync").json()["last_sync"] is None


def test_both_loopback_names_are_this_dashboard(dashboard):
    for host in (f"127.0.0.1:{dashboard.port}", f"localhost:{dashboard.port}"):
        assert get(dashboard, "/api/board", Host=host).status_code == 200


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "null", "http://127.0.0.1:1", "https://127.0.0.1:{port}"]
)
def test_a_request_from_a_foreign_origin_is_refused_even_with_the_key(dashboard, origin):
    origin = origin.format(port=dashboard.port)
    answer = sync_now(dashboard, Origin=origin, **{"X-Dashboard-Token": TOKEN})
    assert answer.status_code == 403
    assert "are not allowed" in answer.json()["error"]
    assert get(dashboard, "/api/board", Origin=origin).status_code == 403
    assert get(dashboard, "/api/sync").json()["last_sync"] is None


def test_the_page_and_its_files_are_served_self_contained(dashboard):
    page = get(dashboard, "/")
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    for name in STATIC:
        answer = get(dashboard, "/" if name == "index.html" else f"/static/{name}")
        assert answer.status_code == 200
        # Nothing is loaded from elsewhere: no URL with a scheme or a protocol-relative one.
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", answer.text, re.I), name
    assert 'src="/static/dashboard.js"' in page.text
    assert 'href="/static/dashboard.css"' in page.text


def test_unknown_paths_and_methods_are_answered_in_json(dashboard):
    assert get(dashboard, "/api/nothing").status_code == 404
    assert get(dashboard, "/static/../pyproject.toml").status_code == 404
    assert get(dashboard, "/static/app.py").status_code == 404
    answer = get(dashboard, "/api/sync-now")
    assert answer.status_code == 405
    assert answer.json()["error"]


def test_no_answer_carries_the_runs_key_or_a_login_token(dashboard, reference_server, project):
    login(reference_server.url)
    fill_queue([envelope(0)])
    sync_now(dashboard, **{"X-Dashboard-Token": TOKEN})
    credentials = (project.parent / "home" / ".spec-kitty" / "credentials").read_text()
    secrets = re.findall(r'^(?:access|refresh) = "([^"]+)"', credentials, re.MULTILINE)
    assert len(secrets) == 2
    answers = [
        get(dashboard, path).text
        for path in (
            "/",
            "/static/dashboard.js",
            "/static/dashboard.css",
            "/api/board",
            "/api/sync",
            "/api/about",
            "/api/history/001-checkout-flow/WP01",
        )
    ]
    answers.append(sync_now(dashboard, **{"X-Dashboard-Token": TOKEN}).text)
    for text in answers:
        for secret in (TOKEN, *secrets):
            assert secret not in text


def test_about_names_the_project_its_root_and_the_servers_pid(dashboard, project):
    import os

    about = get(dashboard, "/api/about").json()
    assert about == {
        "project": "shop",
        "root": str(project),
        "pid": os.getpid(),
        "version": about["version"],
    }


def test_a_feature_read_once_is_read_again_only_when_its_files_change(dashboard, project):
    board = dashboard.app.board
    first = board.data()
    assert board.data()["features"][0] is first["features"][0]

    git(project, "status")  # reading the repository changes none of the feature's files
    (project / "kitty-specs" / "002-search" / "tasks.md").write_text(
        "## WP01: Search index, renamed\nDepends on: none\n\n- [ ] T001 Index\n"
    )

    again = board.data()
    assert again["features"][0] is not first["features"][0]
    assert again["features"][1] is first["features"][1]
