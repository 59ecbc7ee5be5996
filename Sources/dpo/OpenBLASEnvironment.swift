import Foundation
import Kernels

/// OpenBLAS settings it reads only while the library loads, before `main`: `dpo` sets them and restarts itself
/// once, before anything else runs. A value the user set is never overridden.
///
/// - `OPENBLAS_CORETYPE`: OpenBLAS 0.3.21 (Debian 12's) does not recognise some newer CPUs, among them the AVX-512
///   Xeons this project's machines have turned out to be, and falls back to its generic Prescott (SSE3) kernels:
///   `sgemm` then runs at ~30 GFLOP/s instead of ~110–135. When that fallback happened on a CPU with AVX-512 or
///   AVX2/FMA, the matching core type.
/// - `OPENBLAS_THREAD_TIMEOUT`: how long OpenBLAS's worker threads spin (calling `sched_yield`) after a product
///   before they sleep, 2^n time-stamp ticks. The default, 2^28 (~0.1 s), keeps the worker spinning through our own
///   two-thread kernels (attention, SwiGLU, AdamW), where it takes a core from them: attention ran ~30% slower
///   beside it. 2^18 (~0.1 ms) still spans the gaps between back-to-back products, so `sgemm` loses no speed
///   (docs/performance.md, "The OpenBLAS worker's spin").
enum OpenBLASEnvironment {
    static let threadTimeout = "18"
    /// Set beside `OPENBLAS_CORETYPE` when `dpo` chose it, so the restarted process tells its choice from the user's.
    static let coreTypeChosenMarker = "DPO_OPENBLAS_CORETYPE_CHOSEN"

    /// `OpenBLAS Cooperlake kernels on 2 threads`, for the benchmarks' first line; when `OPENBLAS_CORETYPE` came from
    /// the environment, says so: a machine that sets it (one here set `Haswell` on an AVX-512 CPU) can run `sgemm` at
    /// half of what OpenBLAS's own choice reaches, and every ratio against TRL moves with it.
    static var kernels: String {
        let line = "OpenBLAS \(BLASThreads.coreName) kernels on \(BLASThreads.count) threads"
        guard let forced = getenv("OPENBLAS_CORETYPE").map({ String(cString: $0) }), getenv(coreTypeChosenMarker) == nil else { return line }
        return line + " (OPENBLAS_CORETYPE=\(forced) from the environment; unset, OpenBLAS picks the kernels for this CPU)"
    }

    static func restartIfNeeded() {
        var changed = false
        if getenv("OPENBLAS_CORETYPE") == nil, BLASThreads.coreName == "Prescott", let core = coreType(flags: cpuFlags()) {
            setenv("OPENBLAS_CORETYPE", core, 1)
            setenv(coreTypeChosenMarker, "1", 1)
            changed = true
        }
        if getenv("OPENBLAS_THREAD_TIMEOUT") == nil {
            setenv("OPENBLAS_THREAD_TIMEOUT", threadTimeout, 1)
            changed = true
        }
        guard changed else { return }
        // The resolved path, so the process keeps its name (`ps` would show "exe" after exec of /proc/self/exe).
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "/proc/self/exe"
        execv(executable, CommandLine.unsafeArgv)
    }

    /// The OpenBLAS kernel family a CPU with these `/proc/cpuinfo` flags can run.
    static func coreType(flags: Set<String>) -> String? {
        if ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"].allSatisfy(flags.contains) { return "SkylakeX" }
        if flags.contains("avx2"), flags.contains("fma") { return "Haswell" }
        return nil
    }

    private static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        return Set(line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }).map(String.init))
    }
}
