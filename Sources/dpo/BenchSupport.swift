import Determinism
import Foundation
import Kernels

/// Measurement helpers shared by the `dpo bench` commands. The machine's speed drifts by ~2.5× over minutes, so
/// every figure that is compared is measured interleaved with its baseline in the same process.
enum Measure {
    /// Seconds taken by `body`.
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Says so in a debug build, whose figures mean little; `build` is how to make a release one.
    static func warnIfDebugBuild(_ build: String = "`swift build -c release --product dpo`") {
        #if DEBUG
        print("warning: a debug build; figures mean little. Use \(build).")
        #endif
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// `sgemm` throughput in GFLOP/s for `out(m, n) = a(m, k) · b(n, k)ᵀ`, the shape of a linear layer's forward,
    /// on all of OpenBLAS's threads, repeated for at least `minimumSeconds`.
    static func sgemmGflops(m: Int, k: Int, n: Int, minimumSeconds: Double = 0.3) -> Double {
        let a = FloatBuffer(count: m * k), b = FloatBuffer(count: n * k), c = FloatBuffer(count: m * n)
        var generator = SeededGenerator(seed: 3)
        for i in 0..<m * k { a[i] = generator.nextNormal() }
        for i in 0..<n * k { b[i] = generator.nextNormal() }
        matmulForward(c.pointer, a.pointer, b.pointer, rows: m, inDim: k, outDim: n)
        return gflops(flopsPerCall: 2 * Double(m) * Double(n) * Double(k), minimumSeconds: minimumSeconds) { _ in
            matmulForward(c.pointer, a.pointer, b.pointer, rows: m, inDim: k, outDim: n)
        }
    }

    /// GFLOP/s of `call`, `flopsPerCall` each, repeated until the calls alone took at least `minimumSeconds`;
    /// `call` gets the number of calls made before it.
    static func gflops(flopsPerCall: Double, minimumSeconds: Double, _ call: (Int) -> Void) -> Double {
        var calls = 0
        var elapsed = 0.0
        while elapsed < minimumSeconds {
            elapsed += seconds { call(calls) }
            calls += 1
        }
        return flopsPerCall * Double(calls) / elapsed / 1e9
    }

    /// Single-core GFLOP/s of the SIMD dot-product kernel on cache-resident data: tens of GFLOP/s when the build
    /// emits AVX2/FMA instructions, well under one when `SIMD8.addProduct` falls back to per-lane `fmaf` calls.
    static func simdFmaGflops() -> Double {
        let count = 2048
        let a = FloatBuffer(count: count), b = FloatBuffer(count: count)
        for i in 0..<count {
            a[i] = Float(i % 7) * 0.1
            b[i] = Float(i % 5) * 0.2
        }
        var sink: Float = 0
        let repeats = 20_000
        let elapsed = seconds {
            for _ in 0..<repeats { sink += dotProduct(a.pointer, b.pointer, count) }
        }
        if sink.isNaN { print("") }
        return 2 * Double(count) * Double(repeats) / elapsed / 1e9
    }

    /// Peak resident memory of this process so far, in MiB.
    static func peakResidentMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// One JSON object on one line, keys sorted, for scripts reading a benchmark's last line.
    static func jsonLine(_ figures: [String: Double]) -> String {
        let body = figures.keys.sorted().map { key in
            let value = figures[key]!
            return "\"\(key)\": \(value.isFinite ? String(format: "%.10g", value) : "null")"
        }
        return "{" + body.joined(separator: ", ") + "}"
    }
}
