"""sync-now keeps its summary as the last sync's, for `spec-kitty dashboard` and scripts."""

import json
import stat
from datetime import UTC, datetime

from factories import envelope
from kitty_testing import DEMO_PASSWORD, DEMO_USER, fill_queue, login
from spec_kitty.server import ReferenceServer
from spec_kitty.sync.last_sync import last_sync_path, read_last_sync


def test_sync_now_records_its_counts_categories_and_times_without_secrets(script, reference_server):
    login(reference_server.url)
    bad = envelope(9)
    del bad["payload"]["wp_id"]
    fill_queue([envelope(0), envelope(1), bad])
    before = datetime.now(UTC).replace(microsecond=0)

    done = script("spec-kitty", "sync-now")

    assert done.returncode == 1
    last = read_last_sync()
    assert last["line"] == done.stdout.decode().splitlines()[0]
    assert (last["synced"], last["duplicates"], last["failed"]) == (2, 0, 1)
    assert last["categories"] == {"schema_mismatch": 1}
    assert "queue-export --include-failed" in last["next_steps"]["schema_mismatch"]
    assert last["exit_code"] == 1
    started = datetime.fromisoformat(last["started_at"].replace("Z", "+00:00"))
    finished = datetime.fromisoformat(last["finished_at"].replace("Z", "+00:00"))
    assert before <= started <= finished <= datetime.now(UTC)
    assert stat.S_IMODE(last_sync_path().stat().st_mode) == 0o600
    credentials = (last_sync_path().parent / "credentials").read_text()
    text = last_sync_path().read_text()
    for line in credentials.splitlines():
        if line.startswith(("access =", "refresh =")):
            assert line.split('"')[1] not in text
    assert reference_server.url not in text


def test_each_sync_replaces_the_record_even_an_offline_one(script, tmp_path):
    server = ReferenceServer(tmp_path / "server.db", users={DEMO_USER: {"password": DEMO_PASSWORD}})
    with server:
        login(server.url)
        fill_queue([envelope(0)])
        assert script("spec-kitty", "sync-now").returncode == 0
        assert read_last_sync()["synced"] == 1

    fill_queue([envelope(1)])
    done = script("spec-kitty", "sync-now")

    assert done.returncode == 3
    last = read_last_sync()
    assert (last["synced"], last["exit_code"]) == (0, 3)
    assert list(last_sync_path().parent.glob(".last-sync.json.*")) == []


def test_no_record_reads_as_none_and_a_damaged_one_too(spec_kitty_home):
    assert read_last_sync() is None
    spec_kitty_home.mkdir(parents=True)
    last_sync_path().write_text("{torn")
    assert read_last_sync() is None
    last_sync_path().write_text(json.dumps(["not", "a", "record"]))
    assert read_last_sync() is None
