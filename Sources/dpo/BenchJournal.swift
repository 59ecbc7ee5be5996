import ArgumentParser
import Foundation
import Model
import Training

/// `dpo bench journal`: what a run's metrics journal costs as it grows. Appending writes each line once, so bytes
/// written per line stay flat from 1,000 to 100,000 lines; the baseline in the same invocation is the former
/// strategy, the whole file rewritten atomically for every line, whose cost grows with the file.
struct BenchJournal: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal", abstract: "Bytes written and time per metrics line, appended, at 1k and 100k lines.")

    @Flag(help: "End with one JSON line of the figures.") var json = false

    func run() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("dpo-bench-journal-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        var figures: [String: Double] = [:]
        for lines in [1_000, 100_000] {
            let run = try RunDirectory.create(in: scratch, name: "append\(lines)")
            let (bytes, seconds) = try measure {
                for step in 1...lines { try run.append(Self.metrics(step: step), to: RunDirectory.metricsFile) }
                try run.syncJournals()
            }
            figures["append_\(lines)_bytes_per_line"] = bytes / Double(lines)
            figures["append_\(lines)_us_per_line"] = seconds / Double(lines) * 1e6
            print(String(format: "append, %6d lines: %8.0f bytes written per line, %7.2f µs per line", lines, bytes / Double(lines),
                         seconds / Double(lines) * 1e6))
        }
        let baselineLines = 1_000
        let file = scratch.appendingPathComponent("rewrite.jsonl")
        var text = ""
        let (bytes, seconds) = try measure {
            for step in 1...baselineLines {
                text += try RunDirectory.line(Self.metrics(step: step)) + "\n"
                try AtomicFile.write(Data(text.utf8), to: file)
            }
        }
        figures["rewrite_1000_bytes_per_line"] = bytes / Double(baselineLines)
        figures["rewrite_1000_us_per_line"] = seconds / Double(baselineLines) * 1e6
        print(String(format: "rewrite (baseline), %d lines: %8.0f bytes written per line, %7.2f µs per line", baselineLines,
                     bytes / Double(baselineLines), seconds / Double(baselineLines) * 1e6))
        let growth = figures["append_100000_bytes_per_line"]! / figures["append_1000_bytes_per_line"]!
        figures["append_bytes_growth_100k_over_1k"] = growth
        print(String(format: "bytes per appended line, 100k over 1k lines: %.3f (1.0 is O(steps)); rewrite over append at 1k: %.0f×",
                     growth, figures["rewrite_1000_bytes_per_line"]! / figures["append_1000_bytes_per_line"]!))
        if json { print(Measure.jsonLine(figures)) }
    }

    /// A metrics line as a DPO step logs it.
    static func metrics(step: Int) -> [String: Any] {
        let x = Double(step)
        return ["step": step, "epoch": x / 500, "time": 1.8e9 + x, "loss": 0.69 - 1e-6 * x, "rewards/chosen": 1e-4 * x,
                "rewards/rejected": -1e-4 * x, "rewards/margins": 2e-4 * x, "rewards/accuracies": 0.75, "logps/chosen": -31.5,
                "logps/rejected": -33.25, "logits/chosen": -31.5, "logits/rejected": -33.25, "learning_rate": 5e-6,
                "grad_norm": 1.234, "tokens_per_s": 5321.5, "pairs_per_s": 12.5]
    }

    /// Bytes this process wrote (`wchar` of /proc/self/io) and seconds taken by `work`.
    private func measure(_ work: () throws -> Void) throws -> (bytes: Double, seconds: Double) {
        let before = Self.bytesWritten(), started = Date()
        try work()
        return (Self.bytesWritten() - before, Date().timeIntervalSince(started))
    }

    private static func bytesWritten() -> Double {
        let text = (try? String(contentsOfFile: "/proc/self/io", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("wchar:") }
        return line.flatMap { Double($0.dropFirst("wchar:".count).trimmingCharacters(in: .whitespaces)) } ?? .nan
    }
}
