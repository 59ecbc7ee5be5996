import CBLAS

// Dense layers in the Hugging Face layout: a weight is [out, in] row-major and a layer computes y = x·Wᵀ.
// Every product goes through OpenBLAS `sgemm`; these wrappers only fix the transposes and leading dimensions.

/// Forward of a linear layer without bias: `out = inp · weightᵀ`.
/// - Parameters:
///   - out: `(rows, outDim)`, overwritten.
///   - inp: `(rows, inDim)`.
///   - weight: `(outDim, inDim)`.
public func matmulForward(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    rows: Int, inDim: Int, outDim: Int
) {
    guard rows > 0 else { return }
    cblas_sgemm(
        CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outDim), Int32(inDim),
        1, inp, Int32(inDim), weight, Int32(inDim), 0, out, Int32(outDim))
}

/// Backward of `matmulForward`: accumulates `dinp += dout · weight` and `dweight += doutᵀ · inp`.
/// - Parameters:
///   - dinp: `(rows, inDim)`, accumulated; `nil` when the input needs no gradient (e.g. the first layer's input).
///   - dweight: `(outDim, inDim)`, accumulated; `nil` for a frozen weight.
///   - dout: `(rows, outDim)`.
///   - inp: `(rows, inDim)`, the forward input.
///   - weight: `(outDim, inDim)`.
public func matmulBackward(
    _ dinp: UnsafeMutablePointer<Float>?, _ dweight: UnsafeMutablePointer<Float>?,
    _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    rows: Int, inDim: Int, outDim: Int
) {
    guard rows > 0 else { return }
    if let dinp {
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(inDim), Int32(outDim),
            1, dout, Int32(outDim), weight, Int32(inDim), 1, dinp, Int32(inDim))
    }
    if let dweight {
        cblas_sgemm(
            CblasRowMajor, CblasTrans, CblasNoTrans, Int32(outDim), Int32(inDim), Int32(rows),
            1, dout, Int32(outDim), inp, Int32(inDim), 1, dweight, Int32(inDim))
    }
}

/// General strided product `c = alpha · op(a) · op(b) + beta · c`, row-major, for the attention kernels that
/// address one head's columns inside a wider matrix.
@inline(__always)
public func gemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
    beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int
) {
    guard m > 0, n > 0 else { return }
    cblas_sgemm(
        CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// OpenBLAS's own thread pool. Large products use every core through it; loops that already run on several of
/// our threads (attention over heads) switch it to one thread so the two pools do not oversubscribe the cores.
public enum BLASThreads {
    public static var count: Int { Int(openblas_get_num_threads()) }
    public static func set(_ threads: Int) { openblas_set_num_threads(Int32(threads)) }
    /// The kernel family OpenBLAS chose for this CPU at load time (`Haswell`, `SkylakeX`, `Zen`, … or the slow
    /// generic `Prescott` when it did not recognise the CPU).
    public static var coreName: String { String(cString: openblas_get_corename()) }
}
