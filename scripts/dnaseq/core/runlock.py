"""Resume after a hard kill with the same command: clear Snakemake's lock only when it is stale.

Snakemake locks the working directory for the length of a run. After `kill -9` (or a power loss)
the lock stays behind and the next run refuses to start until someone runs `--unlock`, which a
lab technician may not know to do, or may do while another run is still active. This module
records the PID and host of the main Snakemake process next to the lock; at the next start the
lock is removed only if that process is gone *on this host*. A lock held by a live process, or
by another host (shared filesystem), is left alone and Snakemake reports it as usual.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

OWNER_FILE = "dnaseq-run-owner"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clear_stale_lock(snakemake_dir: Path) -> str | None:
    """Remove `locks/` if its recorded owner process is dead on this host. Returns a message."""
    locks = snakemake_dir / "locks"
    owner = snakemake_dir / OWNER_FILE
    if not locks.is_dir() or not any(locks.iterdir()) or not owner.is_file():
        return None
    try:
        host, pid_text = owner.read_text().split()
        pid = int(pid_text)
    except ValueError:
        return None
    if host != socket.gethostname() or pid_alive(pid):
        return None
    shutil.rmtree(locks)
    return (
        f"Removed the lock of an earlier run (process {pid} on {host} no longer exists, e.g. "
        "killed); resuming. Incomplete outputs of that run are regenerated."
    )


def record_owner(snakemake_dir: Path) -> None:
    snakemake_dir.mkdir(parents=True, exist_ok=True)
    (snakemake_dir / OWNER_FILE).write_text(f"{socket.gethostname()} {os.getpid()}\n")
