#!/usr/bin/env python3
"""Sample identity: genotype-fingerprint concordance within a run, and a sex check.

concordance: every sample is genotyped at a fixed set of common SNP sites (the workflow runs
`bcftools mpileup -T sites | bcftools call -m -C alleles`). For every pair of samples, and for
every sample with known genotypes (`identity.expected`, e.g. an earlier array), the fraction of
sites with the same genotype among sites covered (FORMAT/DP >= min_depth) in both is computed.
Samples of the same patient must agree (>= threshold), samples of different patients must not:
anything else is a duplicated, swapped or contaminated sample and is reported as FAIL.

sex: reads per base on chrX and chrY relative to the autosomes, from `samtools idxstats`.
Skipped, with the reason, when the reference has no X/Y contigs.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import dataclass
from pathlib import Path

Genotypes = dict[tuple[str, int], tuple[int, ...]]

CONCORDANCE_COLUMNS = ["sample_a", "sample_b", "sites", "concordance", "expected", "status"]
SEX_COLUMNS = ["sample", "reported", "inferred", "x_ratio", "y_ratio", "status", "reason"]


def read_genotypes(path: Path, min_depth: int, sample: str | None = None) -> Genotypes:
    """Unphased genotypes (sorted allele tuples) at sites with enough depth (if DP is present)."""
    import pysam

    out: Genotypes = {}
    with pysam.VariantFile(str(path)) as vcf:
        name = sample or list(vcf.header.samples)[0]
        for rec in vcf:
            call = rec.samples[name]
            gt = call.get("GT")
            if not gt or None in gt:
                continue
            dp = call.get("DP") if "DP" in rec.format else None
            if dp is not None and dp < min_depth:
                continue
            out[(rec.chrom, rec.pos)] = tuple(sorted(gt))
    return out


def concordance(a: Genotypes, b: Genotypes, only_non_ref_in_b: bool = False) -> tuple[int, float]:
    """(sites compared, fraction identical). With `only_non_ref_in_b`, sites absent from b are
    not compared (b lists only variant sites, like most truth or array VCFs)."""
    shared = [k for k in a if k in b]
    if not shared:
        return 0, float("nan")
    same = sum(1 for k in shared if a[k] == b[k])
    return len(shared), same / len(shared)


@dataclass
class Settings:
    min_sites: int
    threshold: float


def judge(sites: int, value: float, same_person: bool, s: Settings) -> str:
    if sites < s.min_sites:
        return "NOT_COMPARABLE"
    match = value >= s.threshold
    if same_person and not match:
        return "FAIL: same patient but genotypes differ (sample swap or mix-up?)"
    if not same_person and match:
        return "FAIL: different patients but same genotypes (duplicate or swapped sample?)"
    return "OK"


def pairwise(
    fingerprints: dict[str, Genotypes],
    patients: dict[str, str],
    expected: dict[str, Genotypes],
    s: Settings,
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for a, b in itertools.combinations(sorted(fingerprints), 2):
        n, value = concordance(fingerprints[a], fingerprints[b])
        same = patients.get(a, a) == patients.get(b, b)
        rows.append(
            {
                "sample_a": a,
                "sample_b": b,
                "sites": n,
                "concordance": value,
                "expected": "same person" if same else "different people",
                "status": judge(n, value, same, s),
            }
        )
    for sample, known in sorted(expected.items()):
        if sample not in fingerprints:
            continue
        n, value = concordance(fingerprints[sample], known)
        rows.append(
            {
                "sample_a": sample,
                "sample_b": "expected genotypes",
                "sites": n,
                "concordance": value,
                "expected": "same person",
                "status": judge(n, value, True, s),
            }
        )
    return rows


def read_idxstats(path: Path) -> dict[str, tuple[int, int]]:
    """contig -> (length, mapped reads)."""
    out = {}
    with open(path) as handle:
        for line in handle:
            name, length, mapped, _ = line.rstrip("\n").split("\t")
            if name != "*":
                out[name] = (int(length), int(mapped))
    return out


def infer_sex(stats: dict[str, tuple[int, int]], reported: str) -> dict[str, object]:
    x = next((c for c in ("chrX", "X") if c in stats), None)
    y = next((c for c in ("chrY", "Y") if c in stats), None)
    row: dict[str, object] = {"reported": reported, "x_ratio": "", "y_ratio": ""}
    if x is None or y is None:
        row.update(inferred="", status="SKIPPED", reason="reference has no chrX/chrY contigs")
        return row
    auto = [v for k, v in stats.items() if k not in (x, y) and v[0] > 0]
    auto_density = sum(m for _, m in auto) / max(1, sum(length for length, _ in auto))
    if auto_density == 0:
        row.update(inferred="", status="SKIPPED", reason="no reads on autosomes")
        return row
    x_ratio = stats[x][1] / stats[x][0] / auto_density
    y_ratio = stats[y][1] / stats[y][0] / auto_density
    inferred = "male" if y_ratio > 0.1 and x_ratio < 0.75 else "female" if y_ratio < 0.05 else ""
    status = "OK"
    if not inferred:
        status, reason = "WARN", "ambiguous X/Y coverage (aneuploidy or contamination?)"
    elif reported in ("female", "male") and reported != inferred:
        status, reason = "FAIL", f"reported {reported}, coverage says {inferred}"
    else:
        reason = ""
    row.update(
        inferred=inferred,
        x_ratio=f"{x_ratio:.3f}",
        y_ratio=f"{y_ratio:.3f}",
        status=status,
        reason=reason,
    )
    return row


def write_tsv(
    path: Path, columns: list[str], rows: list[dict[str, object]], mqc: dict | None
) -> None:
    def fmt(v: object) -> str:
        return f"{v:.4f}" if isinstance(v, float) else str(v)

    with open(path, "w") as out:
        if mqc:
            for key, value in mqc.items():
                out.write(f"# {key}: {value}\n")
        out.write("\t".join(columns) + "\n")
        for row in rows:
            out.write("\t".join(fmt(row[c]) for c in columns) + "\n")


def check_pair(args: argparse.Namespace) -> int:
    """Tumour and normal must share the germline genotypes; LOH lowers concordance a little,
    hence a lower threshold than for two germline samples."""
    (tumor, t_vcf), (normal, n_vcf) = (x.split("=", 1) for x in (args.tumor, args.normal))
    n, value = concordance(
        read_genotypes(Path(t_vcf), args.min_depth), read_genotypes(Path(n_vcf), args.min_depth)
    )
    if n < args.min_sites:
        print(
            f"TUMOUR/NORMAL IDENTITY CHECK NOT POSSIBLE: tumour {tumor} and normal {normal} "
            f"share only {n} fingerprint sites with depth >= {args.min_depth} (need "
            f"{args.min_sites}). This says the fingerprint sites and the reads do not overlap, "
            "not that the samples are swapped: check that identity.sites uses the reference's "
            "contig names and build, and that its sites lie inside the sequenced targets (for "
            "a panel, choose common SNPs within the panel), and the depth of both samples.",
            file=sys.stderr,
        )
        return 1
    if value < args.threshold:
        print(
            f"TUMOUR/NORMAL IDENTITY CHECK FAILED: tumour {tumor} and normal {normal} do not "
            f"come from the same person: genotype concordance {value:.2f} at {n} sites "
            f"(minimum {args.threshold}). Somatic calling of this patient is stopped; check for "
            "a sample swap.",
            file=sys.stderr,
        )
        return 1
    write_tsv(
        args.output,
        CONCORDANCE_COLUMNS,
        [
            {
                "sample_a": tumor,
                "sample_b": normal,
                "sites": n,
                "concordance": value,
                "expected": "same person",
                "status": "OK",
            }
        ],
        None,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("concordance")
    c.add_argument("--fingerprints", nargs="+", required=True, help="SAMPLE=VCF")
    c.add_argument("--patients", nargs="*", default=[], help="SAMPLE=PATIENT")
    c.add_argument("--expected", nargs="*", default=[], help="SAMPLE=VCF of known genotypes")
    c.add_argument("--min-depth", type=int, default=8)
    c.add_argument("--min-sites", type=int, default=10)
    c.add_argument("--threshold", type=float, default=0.9)
    c.add_argument("--output", type=Path, required=True)
    c.add_argument("--multiqc", type=Path, required=True)
    x = sub.add_parser("sex")
    x.add_argument("--idxstats", nargs="+", required=True, help="SAMPLE=FILE")
    x.add_argument("--reported", nargs="*", default=[], help="SAMPLE=SEX")
    x.add_argument("--output", type=Path, required=True)
    x.add_argument("--multiqc", type=Path, required=True)
    p = sub.add_parser("pair", help="tumour vs its normal: fail (exit 1) unless same person")
    p.add_argument("--tumor", required=True, help="SAMPLE=VCF")
    p.add_argument("--normal", required=True, help="SAMPLE=VCF")
    p.add_argument("--min-depth", type=int, default=8)
    p.add_argument("--min-sites", type=int, default=10)
    p.add_argument("--threshold", type=float, default=0.8)
    p.add_argument("--output", type=Path, required=True)
    g = sub.add_parser("gate", help="fail (exit 1) if a report has a FAIL row")
    g.add_argument("reports", nargs="+", type=Path)
    g.add_argument("--output", type=Path, required=True)
    args = ap.parse_args(argv)

    if args.command == "concordance":
        fps = {}
        for item in args.fingerprints:
            sample, path = item.split("=", 1)
            fps[sample] = read_genotypes(Path(path), args.min_depth)
        expected = {}
        for item in args.expected:
            sample, path = item.split("=", 1)
            expected[sample] = read_genotypes(Path(path), 0)
        patients = dict(item.split("=", 1) for item in args.patients)
        rows = pairwise(fps, patients, expected, Settings(args.min_sites, args.threshold))
        write_tsv(args.output, CONCORDANCE_COLUMNS, rows, None)
        write_tsv(
            args.multiqc,
            CONCORDANCE_COLUMNS[1:],
            [{**r, "sample_b": f"{r['sample_a']} vs {r['sample_b']}"} for r in rows],
            {
                "id": "identity_concordance",
                "section_name": "Sample identity (genotype fingerprint)",
                "plot_type": "table",
                "description": "Pairwise genotype concordance at fingerprint "
                "sites. Same patient must agree, different patients must not.",
            },
        )
    elif args.command == "sex":
        reported = dict(item.split("=", 1) for item in args.reported)
        rows = []
        for item in args.idxstats:
            sample, path = item.split("=", 1)
            row = infer_sex(read_idxstats(Path(path)), reported.get(sample, "unknown"))
            rows.append({"sample": sample, **row})
        write_tsv(args.output, SEX_COLUMNS, rows, None)
        write_tsv(
            args.multiqc,
            SEX_COLUMNS,
            rows,
            {
                "id": "identity_sex",
                "section_name": "Sex check (X/Y coverage)",
                "plot_type": "table",
            },
        )
    elif args.command == "pair":
        return check_pair(args)
    else:
        from dnaseq.steps.qc_gate import mark_failed

        failures, samples = [], set()
        for report in args.reports:
            lines = report.read_text().splitlines()
            header = lines[0].split("\t") if lines else []
            for line in lines[1:]:
                if "\tFAIL" in line:
                    failures.append(f"{report}: {line}")
                    row = dict(zip(header, line.split("\t"), strict=False))
                    samples.update(row[k] for k in ("sample", "sample_a", "sample_b") if k in row)
        if failures:
            results = args.output.parents[2]  # results/qc/identity/identity.ok
            for sample in sorted(samples):
                mark_failed(results, sample, "sample identity:\n" + "\n".join(failures), "identity")
            print(
                "SAMPLE IDENTITY CHECK FAILED:\n"
                + "\n".join(failures)
                + f"\nResults of {', '.join(sorted(samples))} are marked in "
                f"{results / 'FAILED'}: do not use them.",
                file=sys.stderr,
            )
            return 1
        for marker in (args.output.parents[2] / "FAILED").glob("*.identity.txt"):
            marker.unlink()
        args.output.write_text("identity checks passed\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
