import CKernels

/// Whether attention's products run in the C kernels (AVX-512) or in `sgemm`.
let attentionRunsAVX512 = dpo_cpu_has_avx512f() != 0

/// Scratch floats `attentionScores` needs for `keys` keys of `depth`: the C kernel's packed copy of them; none
/// where `sgemm` runs the product.
func attentionScoresScratch(depth: Int, keys: Int) -> Int {
    attentionRunsAVX512 ? depth * ((keys + 31) / 32 * 32) : 0
}

/// The score products of attention, S = alpha · A · Bᵀ: by the C kernel (`dpo_attention_scores`) where the CPU has
/// AVX-512, which with `causal` computes row i only as far as the block of keys holding key i; by `sgemm`, whole,
/// elsewhere. Entries past a row's key are left unspecified either way.
/// - Parameters:
///   - out: `(m, n)`, rows `ldo` apart.
///   - a: `(m, depth)`, rows `lda` apart.
///   - b: `(n, depth)`, rows `ldb` apart.
///   - causal: row i needs only entries 0 … i (m = n).
///   - scratch: `attentionScoresScratch(depth:keys:)` floats for n keys.
func attentionScores(
    _ out: UnsafeMutablePointer<Float>, ldo: Int, _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
    m: Int, n: Int, depth: Int, alpha: Float, causal: Bool, scratch: UnsafeMutablePointer<Float>
) {
    if attentionRunsAVX512 {
        dpo_attention_scores(out, ldo, a, lda, b, ldb, m, n, depth, alpha, causal ? 1 : 0, scratch)
    } else {
        gemm(transA: false, transB: true, m: m, n: n, k: depth, alpha: alpha, a, lda: lda, b, ldb: ldb,
             beta: 0, out, ldc: ldo)
    }
}

/// The head-wide products of attention, O = alpha · A · B, or O += alpha · A · B with `accumulate`: by the C kernel
/// (`dpo_attention_head_product`) where the CPU has AVX-512, which with `causal` skips the entries of A a causal
/// mask zeroes; by `sgemm` elsewhere.
/// - Parameters:
///   - out: `(m, n)`, rows `ldo` apart.
///   - a: `(m, depth)` with rows `lda` apart, or with `transposedA` its transpose `(depth, m)` with rows `lda`
///     apart (Pᵀ·dO, dSᵀ·Q).
///   - b: `(depth, n)`, rows `ldb` apart.
///   - causal: A(i, j) is zero for j > i, or with `transposedA` for j < i (queries see keys up to their own).
func attentionHeadProduct(
    _ out: UnsafeMutablePointer<Float>, ldo: Int, _ a: UnsafePointer<Float>, lda: Int, transposedA: Bool,
    _ b: UnsafePointer<Float>, ldb: Int, m: Int, n: Int, depth: Int, alpha: Float, accumulate: Bool, causal: Bool
) {
    if attentionRunsAVX512 {
        let mask = !causal ? DPO_CAUSAL_NONE : transposedA ? DPO_CAUSAL_ABOVE : DPO_CAUSAL_BELOW
        dpo_attention_head_product(out, ldo, a, transposedA ? 1 : lda, transposedA ? lda : 1, b, ldb, m, n, depth, alpha,
                                   accumulate ? 1 : 0, Int32(mask))
    } else {
        gemm(transA: transposedA, transB: false, m: m, n: n, k: depth, alpha: alpha, a, lda: lda, b, ldb: ldb,
             beta: accumulate ? 1 : 0, out, ldc: ldo)
    }
}
