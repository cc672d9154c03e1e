"""Run one workflow step: `python -m dnaseq.steps <step> [options]` (what the rules call)."""

from __future__ import annotations

import importlib
import sys

# step name -> module whose main(argv) runs it (or "module:function")
STEPS = {
    "preflight": "dnaseq.core.preflight",
    "provenance": "dnaseq.core.provenance",
    "manifest": "dnaseq.core.manifest",
    "intervals": "dnaseq.steps.intervals",
    "merge-targets": "dnaseq.steps.intervals:merge_main",
    "identity": "dnaseq.steps.identity",
    "panel-coverage": "dnaseq.steps.panel_coverage",
    "fill-ref-depth": "dnaseq.steps.fill_ref_depth",
    "somatic-classify": "dnaseq.steps.somatic_classify",
    "somatic-evidence": "dnaseq.steps.somatic_evidence",
    "somatic-ensemble": "dnaseq.steps.somatic_ensemble",
    "somatic-pon": "dnaseq.steps.somatic_pon",
    "tmb": "dnaseq.steps.tmb",
    "somatic-validation": "dnaseq.steps.somatic_validation",
    "compare-calls": "dnaseq.steps.compare_calls",
    "vcfeval-tables": "dnaseq.steps.vcfeval_tables",
    "validation-history": "dnaseq.steps.validation_history",
    "coverage-complete": "dnaseq.steps.coverage_complete",
    "reference-iupac": "dnaseq.steps.reference_iupac",
    "alignment-source": "dnaseq.steps.alignment_source",
    "qc-gate": "dnaseq.steps.qc_gate",
    "clinical-report": "dnaseq.report.build",
    "transcript-genes": "dnaseq.report.variants:transcript_genes_main",
    "report-index": "dnaseq.report.registry:index_main",
    "registry": "dnaseq.report.registry:registry_main",
    "sv-merge": "dnaseq.steps.sv_merge",
    "sv-counts": "dnaseq.steps.sv_merge:counts_main",
    "tiddit-no-calls": "dnaseq.steps.sv_merge:tiddit_no_calls_main",
    "sv-not-assessed": "dnaseq.steps.sv_merge:not_assessed_main",
    "sv-validation": "dnaseq.steps.sv_validation",
    "cnv-genes": "dnaseq.steps.cnv_genes",
    "cnv-noise": "dnaseq.steps.cnv_genes:noise_main",
    "cnv-validation": "dnaseq.steps.cnv_genes:validation_main",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in STEPS:
        print(f"usage: python -m dnaseq.steps {{{','.join(STEPS)}}} ...", file=sys.stderr)
        return 2
    module, _, function = STEPS[argv[0]].partition(":")
    result = getattr(importlib.import_module(module), function or "main")(argv[1:])
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
