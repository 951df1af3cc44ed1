"""The global runtime's files are replaced whole: a write that fails leaves no partial file."""

import os
import subprocess
import sys

# A Python whose files may not grow beyond 4 KiB: a disk that fills up mid-write.
FULL_DISK = """
import resource, signal, sys
from pathlib import Path
from spec_kitty.runtime.manifest import write_atomic

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
try:
    write_atomic(Path(sys.argv[1]), b"x" * 100_000)
except OSError as exc:
    print(exc.strerror)
"""


def test_a_write_that_fills_the_disk_keeps_the_old_file_and_leaves_no_partial(tmp_path):
    home = tmp_path / "kittify"
    home.mkdir()
    target = home / "manifest.json"
    target.write_text("{}\n")

    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(target)], capture_output=True, text=True
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "File too large"
    assert target.read_text() == "{}\n"
    assert os.listdir(home) == ["manifest.json"]


def test_a_new_file_is_as_readable_as_any_other_and_a_replaced_one_keeps_its_mode(tmp_path):
    from spec_kitty.runtime.manifest import write_atomic

    umask = os.umask(0o022)
    os.umask(umask)
    kept = tmp_path / "kept.md"
    kept.write_text("old\n")
    kept.chmod(0o640)

    write_atomic(tmp_path / "templates" / "new.md", b"new\n")
    write_atomic(kept, b"new\n")

    assert (tmp_path / "templates" / "new.md").stat().st_mode & 0o777 == 0o666 & ~umask
    assert (kept.read_bytes(), kept.stat().st_mode & 0o777) == (b"new\n", 0o640)
