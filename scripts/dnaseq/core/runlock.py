"""One run per results folder, and resume after a hard kill with the same command.

Snakemake locks the working directory for the length of a run. After `kill -9` (or a power loss)
the lock stays behind and the next run refuses to start until someone runs `--unlock`, which a
lab technician may not know to do, or may do while another run is still active.

The main Snakemake process of a run therefore holds an operating-system lock (`flock`) on
`.snakemake/dnaseq-run.lock` for as long as it lives; the kernel releases it when the process
ends, however it ends. A start that cannot take that lock is refused at once, naming the live
run, and changes nothing (it never writes its own name anywhere). A start that takes it knows
that no run of this workflow is alive in the folder: Snakemake's own locks left behind are stale
and are removed, unless the lock file names another host (a shared filesystem whose lock the
other host's kernel may not see): those are left for Snakemake to report.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
from pathlib import Path

LOCK_FILE = "dnaseq-run.lock"
# the open lock file of this process: the lock lasts as long as the descriptor stays open
_HELD: dict[str, int] = {}


class RunActive(Exception):
    """Another live run holds the folder's lock."""


def claim(snakemake_dir: Path) -> str | None:
    """Take the folder's run lock for the life of this process, or raise RunActive naming the
    live run. Returns a message when stale Snakemake locks of a killed run were removed."""
    snakemake_dir.mkdir(parents=True, exist_ok=True)
    path = snakemake_dir / LOCK_FILE
    key = str(path.resolve())
    if key in _HELD:
        return None
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        owner = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown process"
        os.close(fd)
        raise RunActive(
            f"another run is active in this folder ({owner}, lock {path}): wait for it to end, "
            "or run in another folder. Nothing was changed."
        ) from None
    previous = os.pread(fd, 200, 0).decode(errors="replace").split()
    message = _clear_stale_snakemake_locks(snakemake_dir, previous)
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{socket.gethostname()} {os.getpid()}\n".encode(), 0)
    _HELD[key] = fd
    return message


def _clear_stale_snakemake_locks(snakemake_dir: Path, previous: list[str]) -> str | None:
    locks = snakemake_dir / "locks"
    if not locks.is_dir() or not any(locks.iterdir()):
        return None
    host = previous[0] if previous else None
    if host is not None and host != socket.gethostname():
        return None  # the lock's holder may be alive on that host: Snakemake reports its lock
    shutil.rmtree(locks)
    who = f"process {previous[1]} on {host}" if len(previous) > 1 else "an earlier run"
    return (
        f"Removed the lock of an earlier run ({who} no longer runs, e.g. killed); resuming. "
        "Incomplete outputs of that run are regenerated."
    )


def release(snakemake_dir: Path) -> None:
    """Let go of the lock (tests; a run's process releases it by ending)."""
    fd = _HELD.pop(str((snakemake_dir / LOCK_FILE).resolve()), None)
    if fd is not None:
        os.close(fd)
