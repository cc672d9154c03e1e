#!/usr/bin/env python3
"""SHA-256 manifest of a run's inputs and deliverables, and a `verify` command that re-checks it.

    dnaseq manifest write --output results/manifest.tsv \
        --inputs in1 in2 ... --deliverables out1 out2 ... [--names p1 p2 ...]
    dnaseq manifest verify results/manifest.tsv [--root DIR]

The manifest is a TSV: role (input/deliverable), sha256, size in bytes, path. Relative paths are
relative to the directory the workflow ran in (`--root`, by default the parent of the folder
holding the manifest's `results/`). `verify` exits 0 only if every file is present and unchanged,
and lists every missing or changed file otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

HEADER = "role\tsha256\tbytes\tpath"


def sha256(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def cached_sha256(path: Path, cache_dir: Path) -> str:
    """SHA-256 of a file, recomputed only when the file may have changed.

    The cache key is the file's identity and change markers (device, inode, size, mtime and
    ctime in ns): replacing a file, even by one with an older modification time (`cp -p`,
    `mv`, `rsync -t`), changes the inode or the ctime, which no user can set back."""
    st = path.stat()
    key = f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"
    cache = cache_dir / (hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16] + ".txt")
    if cache.is_file():
        stored_key, _, digest = cache.read_text().strip().partition(" ")
        if stored_key == key and len(digest) == 64:
            return digest
    digest = sha256(path)
    cache_dir.mkdir(parents=True, exist_ok=True)
    cache.write_text(f"{key} {digest}\n")
    return digest


def write(
    output: Path, inputs: list[str], deliverables: list[str], names: list[str] | None = None
) -> int:
    """names: the run-relative paths to record, in inputs + deliverables order, when the job
    reads other copies of the files (local copies of remote-storage files)."""
    copies = [*inputs, *deliverables]
    names = names or copies
    if len(names) != len(copies):
        raise ValueError(f"{len(names)} names for {len(copies)} files")
    shown = dict(zip(copies, names, strict=True))
    rows = []
    for role, paths in (("input", inputs), ("deliverable", deliverables)):
        for p in sorted(set(paths), key=shown.__getitem__):
            rows.append(f"{role}\t{sha256(Path(p))}\t{Path(p).stat().st_size}\t{shown[p]}")
    tmp = output.with_suffix(".tmp")
    tmp.write_text("\n".join([HEADER, *rows]) + "\n")
    tmp.replace(output)
    return len(rows)


def default_root(manifest: Path) -> Path:
    """The run directory: the parent of `results/` when the manifest lies inside it."""
    for parent in manifest.resolve().parents:
        if parent.name == "results":
            return parent.parent
    return manifest.resolve().parent


def verify(manifest: Path, root: Path | None = None) -> list[str]:
    """Problems found (empty list: all files present and unchanged)."""
    root = root or default_root(manifest)
    problems = []
    lines = manifest.read_text().splitlines()
    if not lines or lines[0] != HEADER:
        return [f"{manifest}: not a manifest written by this workflow (bad header)"]
    for n, line in enumerate(lines[1:], start=2):
        try:
            role, digest, size, path = line.split("\t")
        except ValueError:
            problems.append(f"{manifest}, line {n}: malformed line")
            continue
        p = Path(path) if Path(path).is_absolute() else root / path
        if not p.is_file():
            problems.append(f"MISSING  {role}  {path}")
        elif p.stat().st_size != int(size) or sha256(p) != digest:
            problems.append(f"CHANGED  {role}  {path}")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write")
    w.add_argument("--output", type=Path, required=True)
    w.add_argument("--inputs", nargs="*", default=[])
    w.add_argument("--deliverables", nargs="*", default=[])
    w.add_argument("--names", nargs="*", help="paths to record, in --inputs --deliverables order")
    v = sub.add_parser("verify")
    v.add_argument("manifest", type=Path)
    v.add_argument("--root", type=Path, help="directory the workflow ran in")
    args = ap.parse_args(argv)
    if args.command == "write":
        n = write(args.output, args.inputs, args.deliverables, args.names)
        print(f"{args.output}: {n} files", file=sys.stderr)
        return 0
    problems = verify(args.manifest, args.root)
    total = len(args.manifest.read_text().splitlines()) - 1
    for problem in problems:
        print(problem)
    status = "FAILED" if problems else "OK"
    print(f"{status}: {total - len(problems)} of {total} files verified against {args.manifest}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())


WHOLE_FILE_LIMIT = 64 << 20  # files up to this size are fingerprinted whole
SAMPLE_EDGE = 1 << 20  # larger ones: their first and last MiB ...
SAMPLE_BLOCK, SAMPLE_BLOCKS = 64 << 10, 16  # ... and 16 blocks of 64 KiB spread over the rest
_FINGERPRINTS: dict[tuple, str] = {}


def fingerprint(path: str | Path) -> str:
    """A content fingerprint of an input file, cheap enough to take at every start-up: the
    SHA-256 (first 16 hex digits) of the whole file up to 64 MiB, else of its size, first and
    last MiB and 16 blocks spread over the rest (a FASTQ replaced by another, or two swapped,
    differ there). Cached in this process by file identity and change times."""
    st = os.stat(path)
    key = (str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    if key in _FINGERPRINTS:
        return _FINGERPRINTS[key]
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        if st.st_size <= WHOLE_FILE_LIMIT:
            while block := handle.read(1 << 20):
                digest.update(block)
        else:
            digest.update(str(st.st_size).encode())
            step = (st.st_size - 2 * SAMPLE_EDGE) // (SAMPLE_BLOCKS + 1)
            offsets = [(0, SAMPLE_EDGE), (st.st_size - SAMPLE_EDGE, SAMPLE_EDGE)]
            offsets += [(SAMPLE_EDGE + step * (i + 1), SAMPLE_BLOCK) for i in range(SAMPLE_BLOCKS)]
            for offset, size in offsets:
                handle.seek(offset)
                digest.update(handle.read(size))
    _FINGERPRINTS[key] = digest.hexdigest()[:16]
    return _FINGERPRINTS[key]
