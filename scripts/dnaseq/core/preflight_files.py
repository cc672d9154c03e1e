"""Pre-flight checks shared by every kind of input file: present, readable, not empty; plain or
gzip-compressed text."""

from __future__ import annotations

import gzip
from pathlib import Path

from dnaseq.core.sheets import InputError

GZIP_MAGIC = b"\x1f\x8b"


def check_file(path: str | Path, what: str) -> Path:
    """The file exists, is a regular file, can be read and is not empty."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{what} {p}: file not found")
    if not p.is_file():
        raise InputError(f"{what} {p}: is not a regular file")
    try:
        with open(p, "rb") as handle:
            handle.read(1)
    except OSError as err:
        raise InputError(f"{what} {p}: cannot be read ({err.strerror})") from None
    if p.stat().st_size == 0:
        raise InputError(f"{what} {p}: file is empty")
    return p


def open_text(path: Path):
    """Open plain or gzip-compressed text."""
    with open(path, "rb") as handle:
        magic = handle.read(2)
    return gzip.open(path, "rt") if magic == GZIP_MAGIC else open(path)
