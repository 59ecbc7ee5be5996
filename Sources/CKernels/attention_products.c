#include "CKernels.h"
#include "transpose8.h"

/* The products of training attention, one span and one head at a time (see `attentionForward`). OpenBLAS ran them,
   products of tens to a couple of hundred rows by a 64-wide head, at 90–120 GFLOP/s a core: a call's set-up and
   packing are large against so little work. These run at 150–250 (64-wide heads on Zen 5, whole products; causal
   ones skip half of the work besides): the products whose
   columns are the head's (P·V, dS·K, Pᵀ·dO, dSᵀ·Q) read their right operand's rows where they are, and the score
   products (Q·Kᵀ, dO·Vᵀ) pack the keys once into blocks of 32 columns. Causal products skip the blocks a causal
   mask zeroes: six rows of queries at a time, where one square product computes the whole block, masked half and
   all. AVX-512 only (16-lane vectors, 12–24 accumulators): the AVX2 machines keep OpenBLAS. */

typedef float lanes16 __attribute__((ext_vector_type(16)));

#define INLINE static inline __attribute__((always_inline, target("avx512f")))

INLINE lanes16 load16(const float *p) {
    lanes16 v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

INLINE void store16(float *p, lanes16 v) { __builtin_memcpy(p, &v, sizeof v); }

INLINE lanes16 fma16(lanes16 a, lanes16 b, lanes16 c) { return __builtin_elementwise_fma(a, b, c); }

/* Keys per packed block of the score products: columns of two registers. */
#define KEY_BLOCK 32
/* Rows of a product's output computed together: with two (score products) or up to four (head-wide products)
   registers a row, 12 to 24 accumulators of AVX-512's 32 registers. */
#define ROW_BLOCK 6

/* out[r][j] = alpha · Σ_d a[r][d] · packed[d][j] for the `rows` rows and `keys` ≤ 32 packed columns. */
INLINE void score_rows(float *out, long ldo, const float *a, long lda, const float *packed, long depth, long keys,
                       float alpha, const int rows) {
    lanes16 low[ROW_BLOCK], high[ROW_BLOCK];
    for (int r = 0; r < rows; r++) low[r] = high[r] = 0;
    for (long d = 0; d < depth; d++) {
        lanes16 b0 = load16(packed + d * KEY_BLOCK), b1 = load16(packed + d * KEY_BLOCK + 16);
        for (int r = 0; r < rows; r++) {
            lanes16 x = a[r * lda + d];
            low[r] = fma16(x, b0, low[r]);
            high[r] = fma16(x, b1, high[r]);
        }
    }
    for (int r = 0; r < rows; r++) {
        if (keys == KEY_BLOCK) {
            store16(out + r * ldo, low[r] * alpha);
            store16(out + r * ldo + 16, high[r] * alpha);
        } else {
            float row[KEY_BLOCK];
            store16(row, low[r] * alpha);
            store16(row + 16, high[r] * alpha);
            for (long j = 0; j < keys; j++) out[r * ldo + j] = row[j];
        }
    }
}

/* Keys j (n, depth) into blocks of 32 columns: element d of key j at packed[(j / 32)·32·depth + d·32 + j % 32],
   the last block's columns past n zero. Eight keys by eight elements at a time are loaded as rows and transposed
   in registers (`transpose8x8`); the rest one by one. */
INLINE void pack_keys(float *packed, const float *b, long ldb, long n, long depth) {
    long fullKeys = n - n % 8, fullDepth = depth - depth % 8;
    for (long j = 0; j < fullKeys; j += 8) {
        float *block = packed + (j / KEY_BLOCK) * KEY_BLOCK * depth + j % KEY_BLOCK;
        for (long d = 0; d < fullDepth; d += 8) {
            __m256 r[8];
            for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(b + (j + i) * ldb + d);
            transpose8x8(r);
            for (int i = 0; i < 8; i++) _mm256_storeu_ps(block + (d + i) * KEY_BLOCK, r[i]);
        }
#pragma clang loop vectorize(disable)
        for (long d = fullDepth; d < depth; d++)
            for (long k = j; k < j + 8; k++) block[d * KEY_BLOCK + k - j] = b[k * ldb + d];
    }
    /* The last n % 8 keys and the zero columns after them, a block row at a time: each row's columns are
       contiguous, where a loop over keys strides 32 floats and clang turns it into scatters (microcoded on AMD). */
    long first = fullKeys % KEY_BLOCK, tail = n - fullKeys;
    if (first + tail == 0) return;
    float *block = packed + (fullKeys / KEY_BLOCK) * KEY_BLOCK * depth;
    for (long d = 0; d < depth; d++) {
        float *row = block + d * KEY_BLOCK;
#pragma clang loop vectorize(disable)
        for (long k = 0; k < tail; k++) row[first + k] = b[(fullKeys + k) * ldb + d];
        for (long c = first + tail; c < KEY_BLOCK; c++) row[c] = 0;
    }
}

#define SCORE_ROWS(rows) score_rows(o, ldo, arow, lda, packed + j0 * depth, depth, keys, alpha, rows)

__attribute__((target("avx512f")))
void dpo_attention_scores(float *out, long ldo, const float *a, long lda, const float *b, long ldb, long m, long n,
                          long depth, float alpha, int causal, float *packed) {
    pack_keys(packed, b, ldb, n, depth);
    for (long i = 0; i < m; i += ROW_BLOCK) {
        int rows = m - i < ROW_BLOCK ? (int)(m - i) : ROW_BLOCK;
        long seen = causal && i + rows < n ? i + rows : n;
        const float *arow = a + i * lda;
        for (long j0 = 0; j0 < seen; j0 += KEY_BLOCK) {
            long keys = n - j0 < KEY_BLOCK ? n - j0 : KEY_BLOCK;
            float *o = out + i * ldo + j0;
            switch (rows) {
            case 6: SCORE_ROWS(6); break;
            case 5: SCORE_ROWS(5); break;
            case 4: SCORE_ROWS(4); break;
            case 3: SCORE_ROWS(3); break;
            case 2: SCORE_ROWS(2); break;
            default: SCORE_ROWS(1); break;
            }
        }
    }
}

/* Columns c … c + 16·vectors − 1 of `rows` output rows: Σ_j a(r, j) · b[j][c…], with a(r, j) at
   a[r·rowStep + j·depthStep]; written (times alpha) or, with `accumulate`, added. */
INLINE void head_rows(float *out, long ldo, const float *a, long rowStep, long depthStep, const float *b, long ldb,
                      long depth, float alpha, int accumulate, const int rows, const int vectors) {
    lanes16 sums[ROW_BLOCK][4];
    for (int r = 0; r < rows; r++)
        for (int v = 0; v < vectors; v++) sums[r][v] = 0;
    for (long j = 0; j < depth; j++) {
        lanes16 bj[4];
        for (int v = 0; v < vectors; v++) bj[v] = load16(b + j * ldb + 16 * v);
        for (int r = 0; r < rows; r++) {
            lanes16 x = a[r * rowStep + j * depthStep];
            for (int v = 0; v < vectors; v++) sums[r][v] = fma16(x, bj[v], sums[r][v]);
        }
    }
    for (int r = 0; r < rows; r++) {
        for (int v = 0; v < vectors; v++) {
            float *o = out + r * ldo + 16 * v;
            store16(o, accumulate ? load16(o) + sums[r][v] * alpha : sums[r][v] * alpha);
        }
    }
}

#define HEAD_ROWS(rows, vectors) \
    head_rows(o, ldo, arow, rowStep, depthStep, brow + c, ldb, span, alpha, accumulate, rows, vectors)

__attribute__((target("avx512f")))
void dpo_attention_head_product(float *out, long ldo, const float *a, long rowStep, long depthStep, const float *b,
                                long ldb, long m, long n, long depth, float alpha, int accumulate, int causal) {
    long wide = n - n % 16;
    for (long i = 0; i < m; i += ROW_BLOCK) {
        int rows = m - i < ROW_BLOCK ? (int)(m - i) : ROW_BLOCK;
        /* The depth these rows' nonzero entries of A span: [i, depth) above the diagonal, [0, i + rows) below. */
        long first = causal == DPO_CAUSAL_ABOVE ? i : 0;
        long last = causal == DPO_CAUSAL_BELOW && i + rows < depth ? i + rows : depth;
        const float *arow = a + i * rowStep + first * depthStep;
        const float *brow = b + first * ldb;
        long span = last > first ? last - first : 0;
        for (long c = 0; c < wide; c += 64) {
            int vectors = wide - c < 64 ? (int)((wide - c) / 16) : 4;
            float *o = out + i * ldo + c;
            switch (rows * 8 + vectors) {
            case 6 * 8 + 4: HEAD_ROWS(6, 4); break;
            case 6 * 8 + 3: HEAD_ROWS(6, 3); break;
            case 6 * 8 + 2: HEAD_ROWS(6, 2); break;
            case 6 * 8 + 1: HEAD_ROWS(6, 1); break;
            case 5 * 8 + 4: HEAD_ROWS(5, 4); break;
            case 5 * 8 + 3: HEAD_ROWS(5, 3); break;
            case 5 * 8 + 2: HEAD_ROWS(5, 2); break;
            case 5 * 8 + 1: HEAD_ROWS(5, 1); break;
            case 4 * 8 + 4: HEAD_ROWS(4, 4); break;
            case 4 * 8 + 3: HEAD_ROWS(4, 3); break;
            case 4 * 8 + 2: HEAD_ROWS(4, 2); break;
            case 4 * 8 + 1: HEAD_ROWS(4, 1); break;
            case 3 * 8 + 4: HEAD_ROWS(3, 4); break;
            case 3 * 8 + 3: HEAD_ROWS(3, 3); break;
            case 3 * 8 + 2: HEAD_ROWS(3, 2); break;
            case 3 * 8 + 1: HEAD_ROWS(3, 1); break;
            case 2 * 8 + 4: HEAD_ROWS(2, 4); break;
            case 2 * 8 + 3: HEAD_ROWS(2, 3); break;
            case 2 * 8 + 2: HEAD_ROWS(2, 2); break;
            case 2 * 8 + 1: HEAD_ROWS(2, 1); break;
            case 1 * 8 + 4: HEAD_ROWS(1, 4); break;
            case 1 * 8 + 3: HEAD_ROWS(1, 3); break;
            case 1 * 8 + 2: HEAD_ROWS(1, 2); break;
            default: HEAD_ROWS(1, 1); break;
            }
        }
        /* Columns past the last multiple of sixteen (heads narrower than SmolLM2's or the tiny model's 64). */
        for (int r = 0; r < rows; r++) {
            for (long c = wide; c < n; c++) {
                float sum = 0;
                for (long j = 0; j < span; j++) sum += arow[r * rowStep + j * depthStep] * brow[j * ldb + c];
                float *o = out + (i + r) * ldo + c;
                *o = accumulate ? *o + sum * alpha : sum * alpha;
            }
        }
    }
}

