#!/usr/bin/env python3
"""Sample identity: genotype fingerprints compared by likelihood within a run, and a sex check.

Every sample is genotyped at a fixed set of common SNP sites (the workflow runs
`bcftools mpileup -T sites | bcftools call -m -C alleles`). For every pair of samples, and for
every sample with known genotypes (`identity.expected`, e.g. an earlier array), the evidence
that the two come from one person is a likelihood ratio, as in Picard CrosscheckFingerprints:

  LOD = sum over sites covered (DP >= min_depth) in both of
        log10 P(data_a, data_b | same person) / P(data_a, data_b | unrelated people)
  same person:  sum_g  P(g) P(data_a | g) P(data_b | g)
  unrelated:    [sum_g P(g) P(data_a | g)] [sum_g P(g) P(data_b | g)]

with genotype likelihoods from each call's allele counts (AD, binomial with READ_ERROR; PL
where there is no AD; a genotype-only VCF counts its GT), every one floored at GENOTYPE_ERROR,
and P(g) from the site's population allele frequency (INFO/AF of the sites VCF,
Hardy-Weinberg; DEFAULT_AF = 0.5 where the sites VCF gives none).
Raw concordance depends on allele frequencies and on which sites happen to be covered: two
unrelated people agree at most sites whose minor allele is rare; the LOD weighs each site by
how much a match there means. The raw concordance is still reported beside it.

Verdicts: LOD >= min_lod (default 3: 1,000 to 1) is one person, LOD <= -min_lod two people,
anything between INCONCLUSIVE (too few informative sites). Samples of the same patient must be
one person, samples of different patients two: anything else is a swapped or duplicated sample
(FAIL). A tumour against its normal is compared tumour-aware: where the normal is
heterozygous, loss of heterozygosity may leave the tumour with either allele alone, so the
tumour may show a heterozygous site as either homozygote (prior LOH = 0.5 per site).

sex: reads per base on chrX and chrY relative to the autosomes, from `samtools idxstats`.
Skipped, with the reason, when the reference has no X/Y contigs.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import dataclass
from pathlib import Path

Genotypes = dict[tuple[str, int], tuple[int, ...]]

CONCORDANCE_COLUMNS = [
    "sample_a", "sample_b", "sites", "concordance", "lod", "expected", "status"
]  # fmt: skip
DEFAULT_AF = 0.5  # allele frequency of a site whose sites-VCF record gives none
GENOTYPE_ERROR = 0.001  # floor of every genotype likelihood (model and genotyping errors)
READ_ERROR = 0.01  # per-read allele error of the allele-count likelihoods
LOH = 0.5  # tumour-aware: prior that a heterozygous site of the person lost an allele
Likelihoods = dict[tuple[str, int], tuple[float, float, float]]
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


def allele_count_likelihoods(ref: int, alt: int) -> list[float]:
    """P(ref, alt reads | 0/0, 0/1, 1/1) up to a common factor, with a per-read error rate."""
    import math

    logs = [alt * math.log(p) + ref * math.log(1 - p) for p in (READ_ERROR, 0.5, 1 - READ_ERROR)]
    top = max(logs)
    return [math.exp(v - top) for v in logs]


def read_likelihoods(path: Path, min_depth: int, sample: str | None = None) -> Likelihoods:
    """Normalised genotype likelihoods (0/0, 0/1, 1/1) at sites with enough depth: from the
    allele counts (AD; a homozygous-reference site, written without ALT, still counts), else
    PL, else GT (a genotype-only VCF: known genotypes from an array)."""
    import pysam

    out: Likelihoods = {}
    with pysam.VariantFile(str(path)) as vcf:
        name = sample or list(vcf.header.samples)[0]
        for rec in vcf:
            if len(rec.alts or ()) > 1:
                continue
            call = rec.samples[name]
            dp = call.get("DP") if "DP" in rec.format else None
            if dp is not None and dp < min_depth:
                continue
            ad = call.get("AD") if "AD" in rec.format else None
            pl = call.get("PL") if "PL" in rec.format else None
            if ad and None not in ad:
                raw = allele_count_likelihoods(ad[0], sum(ad[1:]))
            elif pl and None not in pl and len(pl) == 3:
                raw = [10 ** (-v / 10) for v in pl]
            else:
                gt = call.get("GT")
                if not gt or None in gt:
                    continue
                raw = [1.0 if sum(gt) == i else 0.0 for i in range(3)]
            total = sum(raw)
            floor = GENOTYPE_ERROR
            l0, l1, l2 = ((1 - 3 * floor) * r / total + floor for r in raw)
            out[(rec.chrom, rec.pos)] = (l0, l1, l2)
    return out


def read_site_afs(path: Path | None) -> dict[tuple[str, int], float]:
    """Population ALT allele frequency per site from the sites VCF's INFO/AF (if it has one)."""
    if path is None:
        return {}
    import pysam

    afs = {}
    with pysam.VariantFile(str(path)) as vcf:
        if "AF" not in vcf.header.info:
            return {}
        for rec in vcf:
            af = rec.info.get("AF")
            if af is not None:
                afs[(rec.chrom, rec.pos)] = float(af[0] if isinstance(af, tuple) else af)
    return afs


def fingerprint_lod(
    a: Likelihoods, b: Likelihoods, afs: dict, tumor_aware_b: bool = False
) -> tuple[int, float]:
    """(sites compared, LOD one person vs two unrelated people). With tumor_aware_b, b is a
    tumour and a its normal: under "one person", where the genotype is heterozygous the
    tumour's data may show either allele alone (loss of heterozygosity)."""
    import math

    sites, lod = 0, 0.0
    for key in sorted(a.keys() & b.keys()):
        p = min(max(afs.get(key, DEFAULT_AF), 0.001), 0.999)
        prior = ((1 - p) ** 2, 2 * p * (1 - p), p * p)
        la, lb = a[key], b[key]
        if tumor_aware_b:  # a heterozygous genotype may show as either homozygote (LOH)
            lb_same = (lb[0], (1 - LOH) * lb[1] + LOH * (lb[0] + lb[2]) / 2, lb[2])
        else:
            lb_same = lb
        same = sum(prior[g] * la[g] * lb_same[g] for g in range(3))
        apart = sum(prior[g] * la[g] for g in range(3)) * sum(prior[g] * lb[g] for g in range(3))
        lod += math.log10(same / apart)
        sites += 1
    return sites, lod


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
    min_lod: float = 3.0


def judge(sites: int, lod: float, same_person: bool, s: Settings) -> str:
    if sites < s.min_sites:
        return "NOT_COMPARABLE"
    if same_person and lod <= -s.min_lod:
        return f"FAIL: same patient but two people (LOD {lod:.1f}; sample swap or mix-up?)"
    if not same_person and lod >= s.min_lod:
        return f"FAIL: different patients but one person (LOD {lod:.1f}; duplicate or swap?)"
    if abs(lod) < s.min_lod:
        return f"INCONCLUSIVE: LOD {lod:.1f} between -{s.min_lod:g} and {s.min_lod:g}"
    return "OK"


@dataclass
class Fingerprint:
    genotypes: Genotypes
    likelihoods: Likelihoods

    @classmethod
    def read(cls, path: Path, min_depth: int) -> Fingerprint:
        return cls(read_genotypes(path, min_depth), read_likelihoods(path, min_depth))


def compare(
    a: Fingerprint, b: Fingerprint, afs: dict, same: bool, s: Settings, tumor_aware: bool = False
) -> dict[str, object]:
    """One row of the identity table: sites, concordance, LOD, what was expected, verdict."""
    _, value = concordance(a.genotypes, b.genotypes)
    n, lod = fingerprint_lod(a.likelihoods, b.likelihoods, afs, tumor_aware)
    return {
        "sites": n,
        "concordance": value,
        "lod": f"{lod:.2f}",
        "expected": "same person" if same else "different people",
        "status": judge(n, lod, same, s),
    }


def pairwise(
    fingerprints: dict[str, Fingerprint],
    patients: dict[str, str],
    expected: dict[str, Fingerprint],
    s: Settings,
    afs: dict | None = None,
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for a, b in itertools.combinations(sorted(fingerprints), 2):
        same = patients.get(a, a) == patients.get(b, b)
        row = compare(fingerprints[a], fingerprints[b], afs or {}, same, s)
        rows.append({"sample_a": a, "sample_b": b, **row})
    for sample, known in sorted(expected.items()):
        if sample in fingerprints:
            row = compare(fingerprints[sample], known, afs or {}, True, s)
            rows.append({"sample_a": sample, "sample_b": "expected genotypes", **row})
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
            for key, value in mqc.items():  # YAML: strings quoted (a ':' in a description)
                out.write(f"# {key}: {json.dumps(value)}\n")
        out.write("\t".join(columns) + "\n")
        for row in rows:
            out.write("\t".join(fmt(row[c]) for c in columns) + "\n")


def check_pair(args: argparse.Namespace) -> int:
    """Tumour and normal must be one person, confirmed by the LOD (tumour-aware: LOH in the
    tumour is no evidence against); somatic calling of the pair waits for this."""
    (tumor, t_vcf), (normal, n_vcf) = (x.split("=", 1) for x in (args.tumor, args.normal))
    row = compare(
        Fingerprint.read(Path(n_vcf), args.min_depth),
        Fingerprint.read(Path(t_vcf), args.min_depth),
        read_site_afs(args.sites), True, Settings(args.min_sites, args.min_lod), tumor_aware=True,
    )  # fmt: skip
    n, value, lod = int(row["sites"]), float(row["concordance"]), float(row["lod"])
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
    if lod < args.min_lod:
        verdict = "are two people" if lod <= -args.min_lod else "are not shown to be one person"
        print(
            f"TUMOUR/NORMAL IDENTITY CHECK FAILED: tumour {tumor} and normal {normal} {verdict}: "
            f"LOD {lod:.1f} at {n} sites (one person needs LOD >= {args.min_lod:g}; genotype "
            f"concordance {value:.2f}). Somatic calling, report and FHIR bundle of this pair "
            "are stopped; check for a sample swap, or add fingerprint sites the panel covers.",
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
                "lod": f"{lod:.2f}",
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
    c.add_argument("--min-lod", type=float, default=3.0)
    c.add_argument("--sites", type=Path, default=None, help="sites VCF (INFO/AF)")
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
    p.add_argument("--min-lod", type=float, default=3.0)
    p.add_argument("--sites", type=Path, default=None, help="sites VCF (INFO/AF)")
    p.add_argument("--output", type=Path, required=True)
    g = sub.add_parser("gate", help="fail (exit 1) if a report has a FAIL row")
    g.add_argument("reports", nargs="+", type=Path)
    g.add_argument("--output", type=Path, required=True)
    args = ap.parse_args(argv)

    if args.command == "concordance":
        fps = {}
        for item in args.fingerprints:
            sample, path = item.split("=", 1)
            fps[sample] = Fingerprint.read(Path(path), args.min_depth)
        expected = {}
        for item in args.expected:
            sample, path = item.split("=", 1)
            expected[sample] = Fingerprint.read(Path(path), 0)
        patients = dict(item.split("=", 1) for item in args.patients)
        settings = Settings(args.min_sites, args.min_lod)
        rows = pairwise(fps, patients, expected, settings, read_site_afs(args.sites))
        write_tsv(args.output, CONCORDANCE_COLUMNS, rows, None)
        write_tsv(
            args.multiqc,
            CONCORDANCE_COLUMNS[1:],
            [{**r, "sample_b": f"{r['sample_a']} vs {r['sample_b']}"} for r in rows],
            {
                "id": "identity_concordance",
                "section_name": "Sample identity (genotype fingerprint)",
                "plot_type": "table",
                "description": "Pairwise fingerprint comparison: LOD of one person vs two "
                "unrelated people, and raw genotype concordance. Same patient must be one "
                "person, different patients two.",
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
