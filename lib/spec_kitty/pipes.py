"""Pipes between the toolkit's own processes, widened so that a writer runs ahead of its reader.

With Linux's default 64 KiB a stage waits for the next one at nearly every batch, and two
processes meant to overlap take turns instead. 1 MiB is the most Linux lets an unprivileged
process ask for (/proc/sys/fs/pipe-max-size); elsewhere the default size stays, slower.
"""

PIPE_BYTES = 1 << 20


def widen(fd: int) -> None:
    """Ask for a PIPE_BYTES buffer on the pipe `fd`, where the system allows it."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass  # not Linux, or above the system's limit: the default pipe works too
