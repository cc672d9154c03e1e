"""Who failed and why, at the end of a run that did not finish.

The profiles keep going after a failed job (`keep-going: true`): one sample's failure never
stops the others, whose deliverables complete. The run still exits non-zero, and Snakemake's
own account of the failures is scattered through a long log. When a run ends with errors,
`report` (the Snakefile's `onerror`) reads that log and writes
`results/FAILED/run-summary.tsv`: one row per failed job with its rule, the sample (or tumour)
it was for, its log file and the last line of that log, and prints the same list. A sample
listed there has no trustworthy deliverable from the failed step onwards.
"""

from __future__ import annotations

import re
from pathlib import Path

COLUMNS = ["sample", "rule", "wildcards", "log", "reason"]


def failed_jobs(snakemake_log: str) -> list[dict[str, str]]:
    """The `Error in rule X:` blocks of a Snakemake log, as dicts (rule, wildcards, log)."""
    jobs, current = [], None
    for line in snakemake_log.splitlines():
        start = re.match(r"Error in rule (\w+):", line)
        if start:
            current = {"rule": start.group(1), "wildcards": "", "log": "", "output": ""}
            jobs.append(current)
            continue
        if current is None:
            continue
        if line and not line[0].isspace():
            current = None
            continue
        field = re.match(r"\s+(wildcards|log|output): (.*)", line)
        if field:
            value = field.group(2)
            if field.group(1) == "log":
                value = value.split(" (check log", 1)[0]
            current[field.group(1)] = value
    unique = {(j["rule"], j["wildcards"]): j for j in jobs}
    return list(unique.values())


def sample_of(job: dict[str, str], samples: list[str] = ()) -> str:
    """The sample (or tumour) a failed job was for: from its wildcards when the log shows them,
    else the longest sample name standing as a whole word in its output or log paths."""
    values = dict(re.findall(r"(\w+)=([^,\s]+)", job.get("wildcards", "")))
    if values.get("sample") or values.get("tumor"):
        return values.get("sample") or values.get("tumor")
    paths = f"{job.get('output', '')} {job.get('log', '')}"
    found = [s for s in samples if re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", paths)]
    return max(found, key=len) if found else "(run)"


def last_line(path: Path) -> str:
    """The last non-empty line of a job's log (tools print their error last), shortened."""
    try:
        lines = [line.strip() for line in path.read_text(errors="replace").splitlines()]
    except OSError:
        return "no log"
    text = next((line for line in reversed(lines) if line), "empty log")
    return text[:200].replace("\t", " ")


def report(
    snakemake_logs: str | Path | list | None, results: Path, samples: list[str] = ()
) -> str | None:
    """Write results/FAILED/run-summary.tsv from the run's log file(s) (Snakemake 9 gives
    onerror a list); the message to print."""
    if isinstance(snakemake_logs, (str, Path)):
        snakemake_logs = [snakemake_logs]
    files = [Path(f) for f in snakemake_logs or [] if f and Path(f).is_file()]
    jobs = failed_jobs("\n".join(f.read_text(errors="replace") for f in files))
    if not jobs:
        return None
    rows = []
    for job in jobs:
        first_log = job["log"].split(",")[0].strip()
        reason = last_line(Path(first_log)) if first_log else "no log"
        rows.append([sample_of(job, samples), job["rule"], job["wildcards"], first_log, reason])
    rows.sort()
    out = results / "FAILED" / "run-summary.tsv"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\t".join(COLUMNS) + "\n" + "".join("\t".join(r) + "\n" for r in rows))
    samples = sorted({r[0] for r in rows})
    lines = [f"FAILED: {len(rows)} job(s) of {len(samples)} sample(s): {', '.join(samples)}"]
    lines += [f"  {r[0]}: {r[1]} ({r[3] or 'no log'}): {r[4]}" for r in rows]
    lines.append(f"Other samples' results are complete. Details: {out}")
    return "\n".join(lines)
