"""Unit tests for dnaseq.steps.compare_calls (genotype- and haplotype-aware truth comparison)."""

from dnaseq.steps import compare_calls as cc

REF = "ACGTACGTTTTTTTTACGTACGTACGT"  # 1-based position 1 = 'A'; a T-homopolymer at 8-15


def fetch(_chrom, lo, hi):
    return REF[lo - 1 : hi]


def call(pos, ref, alt, dosage, record=0):
    return cc.Call(("c", pos, ref, alt), pos + len(ref) - 1, dosage, record)


ALL = cc.Regions({"c": [(0, len(REF))]})


def test_exact_match_counts_tp():
    truth = [call(2, "C", "G", 1, 0), call(5, "A", "AT", 2, 1)]
    got = cc.score(truth, list(truth), ALL, fetch)
    assert got["SNV"]["tp"] == 1 and got["INDEL"]["tp"] == 1
    assert got["SNV"]["fp"] == got["INDEL"]["fn"] == 0


def test_genotype_mismatch_is_one_fp_and_one_fn():
    got = cc.score([call(2, "C", "G", 2)], [call(2, "C", "G", 1)], ALL, fetch)
    assert (got["SNV"]["tp"], got["SNV"]["fp"], got["SNV"]["fn"]) == (0, 1, 1)


def test_mnp_matches_two_snvs_by_haplotype():
    truth = [call(2, "C", "G", 1, 0), call(3, "G", "A", 1, 1)]
    calls = [call(2, "CG", "GA", 1)]
    # only if both SNVs are on the same haplotype: the unphased truth allows that phasing
    got = cc.score(truth, calls, ALL, fetch)
    assert got["SNV"]["tp"] == 2 and got["SNV"]["fp"] == 0


def test_different_representation_of_insertion_matches():
    # inserting G before the homopolymer vs a complex record that yields the same sequence
    truth = [call(7, "G", "GG", 2)]
    calls = [call(6, "CG", "CGG", 2)]
    assert cc.score(truth, calls, ALL, fetch)["INDEL"]["tp"] == 1


def test_wrong_allele_is_not_matched():
    got = cc.score([call(7, "G", "GT", 1)], [call(7, "G", "GA", 1)], ALL, fetch)
    assert (got["INDEL"]["tp"], got["INDEL"]["fp"], got["INDEL"]["fn"]) == (0, 1, 1)


def test_multiallelic_truth_record_counted_once():
    # a 1/2 truth record: two overlapping deletions on different haplotypes
    truth = [call(8, "TTT", "T", 1, 7), call(8, "TT", "T", 1, 7)]
    got = cc.score(truth, [call(8, "TTT", "T", 1), call(8, "TT", "T", 1)], ALL, fetch)
    assert (got["INDEL"]["tp"], got["INDEL"]["fn"]) == (1, 0)
    missed = cc.score(truth, [call(8, "TT", "T", 2)], ALL, fetch)
    assert (missed["INDEL"]["tp"], missed["INDEL"]["fn"], missed["INDEL"]["fp"]) == (0, 1, 1)


def test_regions_contain_whole_ref_span_only():
    region = cc.Regions({"c": [(0, 10)]})
    assert region.contains(call(10, "T", "A", 1))
    assert not region.contains(call(11, "T", "A", 1))
    assert not region.contains(call(9, "TTT", "T", 1))  # deletion runs past the end


def test_compare_end_to_end_on_small_vcfs(tmp_path):
    import pysam

    fa = tmp_path / "ref.fa"
    fa.write_text(">c\n" + REF + "\n")
    pysam.faidx(str(fa))
    header = (
        "##fileformat=VCFv4.2\n##contig=<ID=c,length=27>\n"
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{}\n"
    )
    truth = tmp_path / "truth.vcf"
    truth.write_text(header.format("T") + "c\t2\t.\tC\tG\t.\tPASS\t.\tGT\t0|1\n")
    calls = tmp_path / "calls.vcf"
    calls.write_text(
        header.format("S1")
        + "c\t2\t.\tC\tG\t50\tPASS\t.\tGT\t0/1\n"
        + "c\t18\t.\tC\tA\t5\tLowQual\t.\tGT\t0/1\n"  # filtered: ignored
    )
    bed = tmp_path / "conf.bed"
    bed.write_text("c\t0\t27\n")
    rows = cc.compare(truth, calls, bed, "S1", "x", fa)
    conf_snv = next(r for r in rows if r["region"] == "confident" and r["type"] == "SNV")
    assert (conf_snv["tp"], conf_snv["fp"], conf_snv["fn"]) == (1, 0, 0)


def test_false_calls_nearby_do_not_sink_a_true_complex_call():
    """Issue case (freebayes, 20:10099044 ACT>CCC 0/1 = the phased truth SNVs A>C and T>C, with
    false calls pulled into the same cluster): vcfeval scores the MNP as a TP and only the
    false calls as FP; all-or-nothing cluster matching scored it FN+FP."""
    truth = [call(16, "A", "C", 1, 0), call(18, "G", "C", 1, 1)]
    calls = [call(2, "C", "G", 1), call(5, "A", "T", 1), call(16, "ACG", "CCC", 1)]
    got = cc.score(truth, calls, ALL, fetch)["SNV"]
    assert (got["tp"], got["fp"], got["fn"]) == (2, 2, 0)


def test_subset_search_keeps_the_largest_consistent_match():
    # a true het SNV and a hom-alt call at the same place as a false het: only the true one matches
    truth = [call(2, "C", "G", 1, 0), call(10, "T", "A", 2, 1)]
    calls = [call(2, "C", "G", 1), call(10, "T", "A", 1), call(12, "T", "C", 1)]
    got = cc.score(truth, calls, ALL, fetch)["SNV"]
    assert (got["tp"], got["fp"], got["fn"]) == (1, 2, 1)


def test_mnps_are_split_into_snvs_per_base():
    assert cc.atomize(100, "ACT", "CCC") == [(100, "A", "C"), (102, "T", "C")]
    assert cc.atomize(100, "A", "C") == [(100, "A", "C")]
    assert cc.atomize(100, "AC", "A") == [(100, "AC", "A")]
