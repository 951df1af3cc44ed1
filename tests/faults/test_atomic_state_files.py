"""The Lamport clock file and the credentials file survive a process killed while writing them.

A child process rewrites the file as fast as it can, saying after each write what it wrote; it is
SIGKILLed at a seeded random moment. Afterwards the file reads back whole and holds at least the
last value the child confirmed, so the clock keeps increasing and the login keeps working.
"""

import random
import signal
import stat
import subprocess
import sys
import time

from spec_kitty.events.clock import clock_path, tick
from spec_kitty.sync.credentials import CredentialStore

KILLS = 10

CLOCK_WRITER = """
from spec_kitty.events.clock import tick
while True:
    _, values = tick(3)
    print(values[-1], flush=True)
"""

CREDENTIALS_WRITER = """
import dataclasses
from spec_kitty.sync.credentials import CredentialStore
store = CredentialStore()
base = store.load()
n = int(base.access.split("-")[1])
while True:
    n += 1
    # Long tokens make each write span several pages, so a kill lands mid-write more often.
    creds = dataclasses.replace(base, access=f"access-{n}-" + "a" * 4000, refresh=f"refresh-{n}")
    with store.locked():
        store.save(creds)
    print(n, flush=True)
"""


def killed_writer(code: str, rng: random.Random) -> int:
    """Run `code` until it has confirmed some writes, SIGKILL it; the last value it confirmed."""
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    first = child.stdout.readline()
    assert first, child.stderr.read().decode()
    time.sleep(rng.uniform(0.0, 0.05))
    child.send_signal(signal.SIGKILL)
    out, _ = child.communicate(timeout=10)
    confirmed = [int(line) for line in (first + out).split()]
    assert confirmed == sorted(confirmed)
    return confirmed[-1]


def test_the_clock_keeps_increasing_across_writers_killed_mid_write(spec_kitty_home):
    rng = random.Random(8)
    node, _ = tick()
    for _ in range(KILLS):
        confirmed = killed_writer(CLOCK_WRITER, rng)
        same_node, values = tick()
        assert same_node == node
        assert values[0] > confirmed
    # The next write clears what the killed writers left half-written.
    assert sorted(p.name for p in spec_kitty_home.iterdir()) == [
        clock_path().name,
        clock_path().name + ".lock",
    ]


def test_the_login_survives_writers_killed_mid_write(spec_kitty_home):
    from kitty_testing import store_login

    rng = random.Random(9)
    store = store_login("https://sync.example.test", access="access-0", refresh="refresh-0")
    for _ in range(KILLS):
        confirmed = killed_writer(CREDENTIALS_WRITER, rng)
        creds = CredentialStore().load()
        number = int(creds.access.split("-")[1])
        assert number >= confirmed
        assert creds.refresh == f"refresh-{number}"
        assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    # The next write clears the temporary files killed writers left, with their old tokens.
    with store.locked():
        store.save(CredentialStore().load())
    assert sorted(p.name for p in spec_kitty_home.iterdir()) == ["credentials", "credentials.lock"]
