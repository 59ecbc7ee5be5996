import Foundation
import Kernels

/// OpenBLAS 0.3.21 (Debian 12's) does not recognise some newer CPUs, among them the AVX-512 Xeons this project's
/// machines have turned out to be, and falls back to its generic Prescott (SSE3) kernels: `sgemm` then runs at
/// ~30 GFLOP/s instead of ~110–135. It reads `OPENBLAS_CORETYPE` only while the library loads, before `main`, so
/// when that fallback happened on a CPU with AVX-512 or AVX2/FMA, `dpo` restarts itself once with the matching
/// core type. A core type the user set is never overridden.
enum BLASCoreSelection {
    static func restartIfNeeded() {
        guard getenv("OPENBLAS_CORETYPE") == nil, BLASThreads.coreName == "Prescott",
              let core = coreType(flags: cpuFlags()) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
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
