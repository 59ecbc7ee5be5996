import Foundation

/// What the process training a run costs, read from Linux's `/proc/<pid>/stat` and `/proc/<pid>/status`: CPU
/// (percent of one core, between two samples), resident memory and threads. Shown on the Runs screen beside the
/// run's own tokens/s, as btop would show the process.
public struct ProcessStats: Sendable, Equatable {
    /// Percent of one core since the previous sample; nil at the first.
    public var cpuPercent: Double?
    public var residentBytes: Int
    public var threads: Int
    /// User plus system CPU seconds so far.
    public var cpuSeconds: Double

    public init(cpuPercent: Double?, residentBytes: Int, threads: Int, cpuSeconds: Double) {
        self.cpuPercent = cpuPercent
        self.residentBytes = residentBytes
        self.threads = threads
        self.cpuSeconds = cpuSeconds
    }

    /// Parses `stat` (fields after the command's closing parenthesis: utime 14th, stime 15th, num_threads 20th of
    /// the whole line) and `status` (`VmRSS: N kB`); nil when either is not what Linux writes.
    static func parse(stat: String, status: String, ticksPerSecond: Double) -> ProcessStats? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 17, let user = Double(fields[11]), let system = Double(fields[12]), let threads = Int(fields[17]) else { return nil }
        let rss = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
            .flatMap { line in line.split(separator: " ").dropFirst().first.flatMap { Int($0) } }
        guard let rss else { return nil }
        return ProcessStats(cpuPercent: nil, residentBytes: rss * 1024, threads: threads, cpuSeconds: (user + system) / ticksPerSecond)
    }

    /// "cpu 187% · rss 412 MB · 5 threads".
    public var summary: String {
        var parts = cpuPercent.map { [String(format: "cpu %.0f%%", $0)] } ?? []
        parts.append(String(format: "rss %.0f MB", Double(residentBytes) / 1_048_576))
        parts.append("\(threads) thread\(threads == 1 ? "" : "s")")
        return parts.joined(separator: " · ")
    }
}

/// Samples one process over time, so that CPU is a rate.
struct ProcessSampler {
    /// Seconds between two reads of /proc: the screen polls several times a second, and a CPU share over a
    /// fraction of a second is mostly noise.
    static let interval = 1.0
    private var previous: (stats: ProcessStats, time: Double)?

    mutating func sample(pid: Int32, now: Double) -> ProcessStats? {
        if let previous, now - previous.time < Self.interval, now >= previous.time { return previous.stats }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              var stats = ProcessStats.parse(stat: stat, status: status, ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))))
        else { return nil }
        if let previous, now > previous.time { stats.cpuPercent = 100 * (stats.cpuSeconds - previous.stats.cpuSeconds) / (now - previous.time) }
        previous = (stats, now)
        return stats
    }
}
