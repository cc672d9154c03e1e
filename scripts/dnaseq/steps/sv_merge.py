#!/usr/bin/env python3
"""Merge the germline SV calls of several callers into one VCF per sample.

Each caller's PASS calls of the supported types (DEL, DUP, INV, INS; TIDDIT's DUP:TANDEM and
DUP:INT count as DUP) at least `--min-size` long are read; calls of one type are one event when
their starts and ends are within `--max-distance` bp and (DEL/DUP/INV) their intervals overlap
reciprocally by `--min-overlap`. The merged record takes the coordinates of the caller listed
first that found it, records the callers (`CALLERS`, `SUPP`), and is PASS when at least
`--min-callers` callers found it (else `LowSupport`). Calls overlapping the excluded regions
are dropped; a call on a contig the reference does not have is an error naming caller and contig.
With `--gff3`, INFO/GENES lists the genes the event overlaps (INS: the gene at its position).

Coordinates: every caller's record is turned into the first and last affected base (1-based,
inclusive) with that caller's own convention (`AFFECTED`), measured against planted events
(resources/test/truth/SV01): delly writes a deletion as POS = base before, END = base *after*
(so END - POS - 1 bases are deleted), a duplication as POS..END = the duplicated bases; TIDDIT
writes POS = first affected base, END = the base after. The merged VCF follows the VCF spec
(POS = base before, END = last affected base, SVLEN = the affected length), so a planted 400 bp
deletion is reported as 400 bp, not 401.
"""

from __future__ import annotations

import argparse
import gzip
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pysam

TYPES = {"DEL": "DEL", "DUP": "DUP", "DUP:TANDEM": "DUP", "DUP:INT": "DUP", "INV": "INV",
         "INS": "INS"}  # fmt: skip


@dataclass
class Call:
    contig: str
    start: int  # 1-based first affected base
    end: int
    kind: str
    genotype: str
    callers: list[str] = field(default_factory=list)

    @property
    def length(self) -> int:
        return self.end - self.start + 1


# (caller, type) -> (added to POS for the first affected base, added to END for the last);
# anything not listed follows the VCF spec (POS is the base before, END the last affected base)
AFFECTED = {
    ("delly", "DEL"): (1, -1),
    ("delly", "DUP"): (0, 0),
    ("tiddit", "DEL"): (0, -1),
    ("tiddit", "DUP"): (0, -1),
    ("tiddit", "INV"): (0, -1),
}


def sv_type(record: pysam.VariantRecord) -> str | None:
    """DEL/DUP/INV/INS, or None for other types (BND, CNV, ...)."""
    alt = record.alts[0] if record.alts else ""
    raw = str(record.info.get("SVTYPE", "")) or alt.strip("<>")
    return TYPES.get(raw) or TYPES.get(raw.split(":")[0])


def read_calls(vcf: Path, caller: str, contigs: set[str], min_size: int) -> list[Call]:
    """PASS calls of the supported types and sizes, as Calls (1-based, inclusive)."""
    calls = []
    with pysam.VariantFile(str(vcf)) as handle:
        sample = next(iter(handle.header.samples), None)
        for rec in handle:
            if list(rec.filter.keys()) not in (["PASS"], []):
                continue
            kind = sv_type(rec)
            if kind is None:
                continue
            if rec.chrom not in contigs:
                raise ValueError(
                    f"{caller} called an SV on contig {rec.chrom!r}, which the reference does "
                    f"not have ({vcf}): the BAM and the reference do not belong together"
                )
            if kind == "INS":
                svlen = rec.info.get("SVLEN") or len(rec.alts[0]) - len(rec.ref)
                length = abs(svlen[0] if isinstance(svlen, tuple) else svlen)
                start = end = rec.pos
            else:
                first, last = AFFECTED.get((caller, kind), (1, 0))
                start, end = rec.pos + first, int(rec.stop) + last
                length = end - start + 1
            if length < min_size:
                continue
            gt = rec.samples[sample].get("GT") if sample else None
            genotype = "/".join("." if a is None else str(a) for a in gt) if gt else "./."
            calls.append(Call(rec.chrom, start, end, kind, genotype, [caller]))
    return calls


def same_event(a: Call, b: Call, max_distance: int, min_overlap: float) -> bool:
    if a.contig != b.contig or a.kind != b.kind:
        return False
    if abs(a.start - b.start) > max_distance or abs(a.end - b.end) > max_distance:
        return False
    if a.kind == "INS":
        return True
    overlap = min(a.end, b.end) - max(a.start, b.start) + 1
    return overlap >= min_overlap * max(a.length, b.length)


def merge(calls: list[Call], max_distance: int, min_overlap: float) -> list[Call]:
    """Calls in caller priority order -> events (the first call of an event gives its
    coordinates and genotype; later ones add their caller)."""
    events: list[Call] = []
    for call in calls:
        match = next((e for e in events if same_event(e, call, max_distance, min_overlap)), None)
        if match is None:
            events.append(Call(call.contig, call.start, call.end, call.kind, call.genotype,
                               list(call.callers)))  # fmt: skip
        elif call.callers[0] not in match.callers:
            match.callers.append(call.callers[0])
    return sorted(events, key=lambda e: (e.contig, e.start, e.end, e.kind))


def read_bed(path: Path | None) -> dict[str, list[tuple[int, int]]]:
    regions: dict[str, list[tuple[int, int]]] = {}
    if path:
        for line in path.read_text().splitlines():
            if line.strip() and not line.startswith(("#", "track", "browser")):
                f = line.split("\t")
                regions.setdefault(f[0], []).append((int(f[1]), int(f[2])))
    return regions


def overlaps(regions: dict[str, list[tuple[int, int]]], call: Call) -> bool:
    return any(s < call.end and e >= call.start for s, e in regions.get(call.contig, []))


def read_genes(gff3: Path | None) -> dict[str, list[tuple[int, int, str]]]:
    """contig -> (start, end, gene name) of the GFF3's gene features (1-based, inclusive)."""
    genes: dict[str, list[tuple[int, int, str]]] = {}
    if not gff3:
        return genes
    opener = gzip.open if str(gff3).endswith(".gz") else open
    with opener(gff3, "rt") as handle:
        for line in handle:
            f = line.rstrip("\n").split("\t")
            if line.startswith("#") or len(f) < 9 or not f[2].endswith("gene") or "Parent=" in f[8]:
                continue
            attrs = dict(kv.split("=", 1) for kv in f[8].split(";") if "=" in kv)
            name = attrs.get("Name") or attrs.get("gene_id") or attrs.get("ID", "")
            genes.setdefault(f[0], []).append((int(f[3]), int(f[4]), name))
    return genes


def genes_of(genes: dict[str, list[tuple[int, int, str]]], call: Call) -> list[str]:
    hits = [n for s, e, n in genes.get(call.contig, []) if s <= call.end and e >= call.start]
    return sorted(set(hits))


HEADER = [
    '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">',
    '##INFO=<ID=END,Number=1,Type=Integer,Description="Last reference base of the variant">',
    '##INFO=<ID=SVLEN,Number=1,Type=Integer,Description="Length (negative for deletions)">',
    '##INFO=<ID=SUPP,Number=1,Type=Integer,Description="Number of callers that found it">',
    '##INFO=<ID=CALLERS,Number=.,Type=String,Description="Callers that found it">',
    '##INFO=<ID=GENES,Number=.,Type=String,Description="Genes overlapped (GFF3)">',
    '##FILTER=<ID=LowSupport,Description="Found by fewer callers than sv.merge.min_callers">',
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype of the first caller">',
    *(f'##ALT=<ID={t},Description="{t}">' for t in ("DEL", "DUP", "INV", "INS")),
]


def write_vcf(
    path: Path,
    events: list[Call],
    sample: str,
    fasta: pysam.FastaFile,
    min_callers: int,
    genes: dict[str, list[tuple[int, int, str]]],
    notes: list[str] = (),
) -> None:
    """notes: extra header lines (callers that could not run on the sample)."""
    lines = ["##fileformat=VCFv4.2", "##source=dnaseq sv-merge", *notes]
    lines += [f"##contig=<ID={c},length={n}>" for c, n in zip(fasta.references, fasta.lengths,
                                                               strict=True)]  # fmt: skip
    lines += HEADER
    lines.append(f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}")
    for n, e in enumerate(events, 1):
        pos = e.start if e.kind == "INS" else e.start - 1  # padding base before the event
        ref = fasta.fetch(e.contig, pos - 1, pos).upper()
        svlen = -e.length if e.kind == "DEL" else e.length
        info = [f"SVTYPE={e.kind}", f"END={e.end}", f"SVLEN={svlen}", f"SUPP={len(e.callers)}",
                f"CALLERS={','.join(e.callers)}"]  # fmt: skip
        hit = genes_of(genes, e)
        if hit:
            info.append(f"GENES={','.join(hit)}")
        status = "PASS" if len(e.callers) >= min_callers else "LowSupport"
        lines.append(
            f"{e.contig}\t{pos}\tsv{n}\t{ref}\t<{e.kind}>\t.\t{status}\t{';'.join(info)}"
            f"\tGT\t{e.genotype}"
        )
    plain = "\n".join(lines) + "\n"
    with pysam.BGZFile(str(path), "wb") as out:
        out.write(plain.encode())
    pysam.tabix_index(str(path), preset="vcf", force=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calls", nargs="+", required=True, help="CALLER=VCF, in priority order")
    ap.add_argument("--sample", required=True)
    ap.add_argument("--reference", type=Path, required=True)
    ap.add_argument("--exclude", type=Path, default=None)
    ap.add_argument("--gff3", type=Path, default=None)
    ap.add_argument("--min-size", type=int, default=50)
    ap.add_argument("--max-distance", type=int, default=500)
    ap.add_argument("--min-overlap", type=float, default=0.5)
    ap.add_argument("--min-callers", type=int, default=1)
    ap.add_argument("--output", type=Path, required=True)
    args = ap.parse_args(argv)
    fasta = pysam.FastaFile(str(args.reference))
    contigs = set(fasta.references)
    calls: list[Call] = []
    notes: list[str] = []
    try:
        for item in args.calls:
            caller, _, vcf = item.partition("=")
            calls += read_calls(Path(vcf), caller, contigs, args.min_size)
            with pysam.VariantFile(vcf) as handle:
                notes += [str(r).strip() for r in handle.header.records if r.key == NOT_ASSESSED]
    except ValueError as err:
        print(f"ERROR: {err}", file=sys.stderr)
        return 1
    excluded = read_bed(args.exclude)
    events = [e for e in merge(calls, args.max_distance, args.min_overlap)
              if not overlaps(excluded, e)]  # fmt: skip
    genes = read_genes(args.gff3)
    write_vcf(args.output, events, args.sample, fasta, args.min_callers, genes, notes)
    print(f"{args.sample}: {len(calls)} calls -> {len(events)} events", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def counts_main(argv: list[str] | None = None) -> int:
    """`sv-counts VCF... --output TSV`: PASS events per type and sample, as MultiQC custom
    content (a bar graph)."""
    ap = argparse.ArgumentParser(description=counts_main.__doc__)
    ap.add_argument("vcfs", nargs="+", type=Path)
    ap.add_argument("--output", type=Path, required=True)
    args = ap.parse_args(argv)
    kinds = ["DEL", "DUP", "INV", "INS"]
    lines = [
        "# id: 'sv_counts'",
        "# section_name: 'Structural variants'",
        "# description: 'PASS germline SV events per type after merging the SV callers'",
        "# plot_type: 'bargraph'",
        "# pconfig:",
        "#     id: 'sv_counts_plot'",
        "#     title: 'Structural variants by type'",
        "Sample\t" + "\t".join(kinds),
    ]
    for vcf in args.vcfs:
        with pysam.VariantFile(str(vcf)) as handle:
            sample = next(iter(handle.header.samples))
            counts = {k: 0 for k in kinds}
            for rec in handle:
                if list(rec.filter.keys()) == ["PASS"]:
                    counts[rec.info["SVTYPE"]] += 1
        lines.append(sample + "\t" + "\t".join(str(counts[k]) for k in kinds))
    args.output.write_text("\n".join(lines) + "\n")
    return 0


# TIDDIT before 3.6.1 (Debian bookworm has 3.5.2) crashes in tiddit_variant.main with this
# numpy error when a sample yields no SV candidate cluster at all (fixed upstream in 3.6.1:
# "Fix a bug that causes tiddit to crash if no clusters are found").
TIDDIT_NO_CLUSTER_CRASH = "IndexError: cannot do a non-empty take from an empty axes."


def tiddit_no_calls_main(argv: list[str] | None = None) -> int:
    """`tiddit-no-calls LOG FAI SAMPLE OUTPUT`: when LOG shows TIDDIT's no-cluster crash, write
    the VCF TIDDIT 3.6.1+ would have written (a header, no record) and exit 0; otherwise exit 1
    (a real failure stays a failure)."""
    log, fai, sample, output = argv if argv is not None else sys.argv[1:]
    text = Path(log).read_text(errors="replace")
    if TIDDIT_NO_CLUSTER_CRASH not in text or "tiddit_variant" not in text:
        return 1
    contigs = [line.split("\t")[:2] for line in Path(fai).read_text().splitlines() if line]
    lines = ["##fileformat=VCFv4.2", "##source=TIDDIT (no SV candidate cluster; see log)"]
    lines += [f"##contig=<ID={name},length={length}>" for name, length in contigs]
    lines += HEADER[:3] + [f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}"]
    Path(output).write_text("\n".join(lines) + "\n")
    print(f"{sample}: TIDDIT found no SV candidate cluster (known 3.5.2 crash); no calls",
          file=sys.stderr)  # fmt: skip
    return 0


# A caller that cannot run on a sample, recognised by its own message: that caller's part of
# the SV analysis is "not assessed" for that sample, with the reason, and the run goes on. Any
# other failure stays a failure.
CANNOT_RUN = {
    "delly": ("Sample has not enough data to estimate library parameters",),
}
NOT_ASSESSED = "dnaseq_not_assessed"


def not_assessed_main(argv: list[str] | None = None) -> int:
    """`sv-not-assessed --caller C --log LOG --fai FAI --sample S --output VCF`: when LOG
    shows a known "cannot run on this sample" message of caller C, write a VCF without records
    whose header says so (##dnaseq_not_assessed) and exit 0; otherwise exit 1."""
    ap = argparse.ArgumentParser(description=not_assessed_main.__doc__)
    for option in ("--caller", "--log", "--fai", "--sample", "--output"):
        ap.add_argument(option, required=True)
    args = ap.parse_args(argv)
    text = Path(args.log).read_text(errors="replace")
    reason = next((m for m in CANNOT_RUN.get(args.caller, ()) if m in text), None)
    if reason is None:
        return 1
    contigs = [line.split("\t")[:2] for line in Path(args.fai).read_text().splitlines() if line]
    lines = ["##fileformat=VCFv4.2", f'##{NOT_ASSESSED}=<Caller={args.caller},Reason="{reason}">']
    lines += [f"##contig=<ID={name},length={length}>" for name, length in contigs]
    lines += HEADER[:3] + [f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{args.sample}"]
    Path(args.output).write_text("\n".join(lines) + "\n")
    print(f"{args.sample}: {args.caller} cannot run on this sample ({reason}): not assessed",
          file=sys.stderr)  # fmt: skip
    return 0


def not_assessed(vcf: Path) -> list[str]:
    """'caller: reason' of every caller that could not run, from a VCF's header."""
    with pysam.VariantFile(str(vcf)) as handle:
        return [
            f"{r.get('Caller')}: {str(r.get('Reason')).strip(chr(34))}"
            for r in handle.header.records
            if r.key == NOT_ASSESSED
        ]
