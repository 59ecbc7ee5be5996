import Foundation
import Model

/// A run on disk, the contract between trainer, command line and workbench:
///
///     <output_dir>/<run-id>/
///       config.yaml  status.json  metrics.jsonl  eval.jsonl  samples.jsonl  log.txt
///       reference_logps.json   checkpoints/step-N/   sft/   final/   tokenizer/
///
/// Every file is replaced atomically (`AtomicFile`), including the JSONL logs, which are rewritten whole from
/// memory: a signal, a crash or a full disk never leaves a half-written line. A run opened again (resume, or a
/// viewer) reads its JSONL files back.
public final class RunDirectory: @unchecked Sendable {
    public let url: URL
    private let lock = NSLock()
    private var journals: [String: [String]] = [:]

    public init(url: URL) {
        self.url = url
    }

    /// A new run directory named `<name>-<yyyyMMdd-HHmmss>` (with a suffix if taken) under `outputDir`. Each name
    /// is claimed by one `mkdir`, which fails when the name exists, so two runs started in the same second (a
    /// sweep, two workbenches) never share a directory.
    public static func create(in outputDir: URL, name: String) throws -> RunDirectory {
        try FileManager.default.createDirectory(at: outputDir, withIntermediateDirectories: true)
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        let stamp = formatter.string(from: Date())
        var suffix = 1
        while true {
            let candidate = outputDir.appendingPathComponent(suffix == 1 ? "\(name)-\(stamp)" : "\(name)-\(stamp)-\(suffix)")
            if mkdir(candidate.path, 0o755) == 0 { return RunDirectory(url: candidate) }
            guard errno == EEXIST else {
                throw TrainingError("cannot create the run directory \(candidate.path): \(String(cString: strerror(errno)))")
            }
            suffix += 1
        }
    }

    public var id: String { url.lastPathComponent }
    public var checkpointsURL: URL { url.appendingPathComponent("checkpoints") }
    public var finalURL: URL { url.appendingPathComponent("final") }
    public var sftURL: URL { url.appendingPathComponent("sft") }
    public var tokenizerURL: URL { url.appendingPathComponent("tokenizer") }
    public var referenceURL: URL { url.appendingPathComponent("reference_logps.json") }
    /// Its existence asks whoever trains the run to checkpoint and stop (see `RunControl.watch(stopFile:)`).
    public var stopRequestURL: URL { url.appendingPathComponent("stop_request") }

    /// Asks the process training this run, whichever it is, to checkpoint and stop.
    public func requestStop() throws {
        try AtomicFile.write(Data("\(getpid())\n".utf8), to: stopRequestURL)
    }

    // MARK: status and config

    public func writeStatus(_ status: RunStatus) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(status), to: url.appendingPathComponent("status.json"))
    }

    public func readStatus() -> RunStatus? {
        guard let data = try? Data(contentsOf: url.appendingPathComponent("status.json")) else { return nil }
        return try? JSONDecoder().decode(RunStatus.self, from: data)
    }

    public func writeConfig(_ experiment: Experiment) throws {
        try AtomicFile.write(Data(experiment.yaml().utf8), to: url.appendingPathComponent("config.yaml"))
    }

    public func readConfig() throws -> Experiment {
        try Experiment(contentsOf: url.appendingPathComponent("config.yaml"))
    }

    // MARK: JSON Lines journals

    public static let metricsFile = "metrics.jsonl"
    public static let evalFile = "eval.jsonl"
    public static let samplesFile = "samples.jsonl"
    public static let logFile = "log.txt"

    /// Appends one JSON object to a journal (`metrics.jsonl`, `eval.jsonl`, `samples.jsonl`).
    public func append(_ object: [String: Any], to file: String) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        try appendLine(String(decoding: data, as: UTF8.self), to: file)
    }

    /// Appends one line of text to `log.txt`.
    public func log(_ line: String) throws { try appendLine(line, to: Self.logFile) }

    /// The parsed objects of a journal as it is on disk now (another process or session may be writing it),
    /// skipping nothing: a line that is not a JSON object is an error.
    public func records(_ file: String) throws -> [[String: Any]] {
        let path = url.appendingPathComponent(file)
        guard FileManager.default.fileExists(atPath: path.path) else { return [] }
        let lines = try String(contentsOf: path, encoding: .utf8).split(separator: "\n")
        return try lines.enumerated().map { index, line in
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw ExperimentError(key: nil, "\(url.appendingPathComponent(file).path):\(index + 1): not a JSON object")
            }
            return object
        }
    }

    /// Drops journal entries logged after `step` (their steps will be run again on resume).
    public func truncateJournals(after step: Int, files: [String] = [metricsFile, evalFile, samplesFile]) throws {
        for file in files {
            let kept = try records(file).filter { ($0["step"] as? NSNumber).map { $0.intValue <= step } ?? true }
            let text = try kept.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self) }
            lock.withLock { journals[file] = text }
            try rewrite(file)
        }
    }

    private func lines(_ file: String) throws -> [String] {
        try lock.withLock {
            if let cached = journals[file] { return cached }
            let path = url.appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: path.path) else { return [] }
            let text = try String(contentsOf: path, encoding: .utf8)
            let lines = text.split(separator: "\n").map(String.init)
            journals[file] = lines
            return lines
        }
    }

    private func appendLine(_ line: String, to file: String) throws {
        _ = try lines(file)
        lock.withLock { journals[file, default: []].append(line) }
        try rewrite(file)
    }

    private func rewrite(_ file: String) throws {
        let text = lock.withLock { (journals[file] ?? []).map { $0 + "\n" }.joined() }
        try AtomicFile.write(Data(text.utf8), to: url.appendingPathComponent(file))
    }
}
