// Kernels that need an instruction set the Swift targets are not compiled for (they target Haswell, which every
// machine here has; the AVX-512 ones are used only after `dpo_cpu_has_avx512f()` says the CPU runs them), or an
// instruction Swift does not emit for a SIMD type (the vector square root, the shuffles of a transpose).
#pragma once

/* 1 when the CPU and the operating system run AVX-512F instructions, else 0. */
int dpo_cpu_has_avx512f(void);

/* Twelve outputs of up to sixteen rows of a decode product with AVX-512F; see `batchMatvecForward`.
   out: (rows, outDim), written at rows row … row+lanes−1, columns first … first+11.
   x: two blocks of eight rows, each (inDim, 8), the second inDim·8 floats after the first.
   w: twelve weight rows of inDim, one after another. */
void dpo_twelve_outputs_of_sixteen_rows(
    float *out, const float *x, const float *w, long inDim, long outDim, long first, long row, long lanes,
    int prefetching);

/* Twelve outputs of up to thirty-two rows with AVX-512F, for passes of many rows; see `batchMatvecForward`.
   x: four blocks of eight rows, each (inDim, 8), one after another. Otherwise as the sixteen-row kernel. */
void dpo_twelve_outputs_of_thirty_two_rows(
    float *out, const float *x, const float *w, long inDim, long outDim, long first, long row, long lanes);

/* Rows into the layout the decode products read: element k of rows 8b … 8b+7 at columns[b·inDim·8 + k·8 + lane],
   zero in the lanes past the last row, with AVX2.
   columns: ((rows + 7) / 8, inDim, 8), overwritten. inp: (rows, inDim). */
void dpo_rows_into_blocks(float *columns, const float *inp, long rows, long inDim);

/* One AdamW step over `count` weights, as `adamWUpdate` documents it, eight lanes at a time with AVX2: the same
   operations in the same order as the scalar formula, so every weight rounds as it does. Each gradient is first
   multiplied by `gradientScale` (gradient clipping, without a pass of its own).
   params, grads, m, v: (count); params, m and v are updated in place. */
void dpo_adamw_update(
    float *params, const float *grads, float *m, float *v, long count,
    float beta1, float beta2, float eps, float decay, float stepSize, float rootCorrection2, float gradientScale);

/* One RMSprop step without momentum over `count` weights, as `rmsPropUpdate` documents it, eight lanes at a time
   with AVX2 and the scalar formula's operations in order, each gradient first multiplied by `gradientScale`.
   params, grads, v: (count); params and v in place. */
void dpo_rmsprop_update(float *params, const float *grads, float *v, long count, float learningRate, float alpha,
                        float eps, float gradientScale);

/* One query head's scores over `length` cached keys, as `attendCachedHead` documents them: scores[j] =
   scale · dotProduct(query, key j), the Swift dot product's roundings exactly, eight keys at a time with AVX2.
   scores: (length), overwritten. query: (headDim). keys: (length, headDim). */
void dpo_cached_scores(float *scores, const float *query, const float *keys, long length, long headDim, float scale);

/* out = Σ_j weights[j] · value j, each output one chain of fused multiply-adds over j in order from zero (the tail
   columns past a multiple of eight: multiply, then add), with AVX2.
   out: (headDim), overwritten. weights: (length). values: (length, headDim). */
void dpo_weighted_values(float *out, const float *weights, const float *values, long length, long headDim);

/* The causal masks of attention's products (see `dpo_attention_head_product`). */
#define DPO_CAUSAL_NONE 0
#define DPO_CAUSAL_BELOW 1
#define DPO_CAUSAL_ABOVE 2

/* Score products of training attention with AVX-512: out = alpha · a · bᵀ. With `causal`, row i needs only columns
   0 … i (a causal block: m = n); columns past those of its block of six rows are left as they are.
   out: (m, n), rows ldo apart. a: (m, depth), rows lda apart. b: (n, depth), rows ldb apart.
   packed: depth · (n rounded up to 32) floats of scratch. */
void dpo_attention_scores(float *out, long ldo, const float *a, long lda, const float *b, long ldb, long m, long n,
                          long depth, float alpha, int causal, float *packed);

/* Head-wide products of training attention with AVX-512: out = alpha · A · b, or out += alpha · A · b when
   `accumulate`. A's entries a causal mask zeroes are skipped: none (DPO_CAUSAL_NONE), those with j > i
   (DPO_CAUSAL_BELOW: P·V, dS·K) or those with j < i (DPO_CAUSAL_ABOVE: Pᵀ·dO, dSᵀ·Q).
   out: (m, n), rows ldo apart. A: (m, depth), element (i, j) at a[i·rowStep + j·depthStep].
   b: (depth, n), rows ldb apart. */
void dpo_attention_head_product(float *out, long ldo, const float *a, long rowStep, long depthStep, const float *b,
                                long ldb, long m, long n, long depth, float alpha, int accumulate, int causal);
