import Foundation
import Model

/// The JSON Lines journals (`metrics.jsonl`, `eval.jsonl`, `samples.jsonl`, `sft_metrics.jsonl`) and `log.txt`:
/// appended with one `write` of a whole line on a descriptor opened with `O_APPEND`, so a run of n steps writes
/// O(n) bytes. A write that fails part-way (a full disk) is cut back off, so the file never keeps half a line
/// from this process; a line torn by a kill mid-write is the last one, and readers ignore a last line without
/// its newline. The journals are flushed (fsync) at each checkpoint and when the run ends, which is what makes a
/// checkpoint's lines durable.
extension RunDirectory {
    public static let metricsFile = "metrics.jsonl"
    /// Pairs the online methods generated and judged (TRL's prompt/chosen/rejected, with scores and the judge).
    public static let generatedPairsFile = "generated_pairs.jsonl"
    /// The SFT stage's journal (`SFTStage`).
    public static let sftMetricsFile = "sft_metrics.jsonl"
    /// SPPO: one line per round with the distributions of its win probabilities (`SPPORound.summary`).
    public static let sppoRoundsFile = "sppo_rounds.jsonl"
    public static let evalFile = "eval.jsonl"
    public static let samplesFile = "samples.jsonl"
    public static let logFile = "log.txt"

    /// Appends one JSON object to a journal.
    public func append(_ object: [String: Any], to file: String) throws {
        try appendLine(try Self.line(object), to: file)
        if let log = TensorBoardLog(journal: file) { try mirror(object, into: log) }
    }

    /// One journal line: the object as compact JSON with sorted keys.
    public static func line(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }

    /// Replaces a journal with `records` atomically; later appends go to the new file.
    public func replaceJournal(_ file: String, with records: [[String: Any]]) throws {
        let text = try records.map { try Self.line($0) + "\n" }.joined()
        try lock.withLock {
            if let descriptor = journals.removeValue(forKey: file) { close(descriptor) }
            try AtomicFile.write(Data(text.utf8), to: url.appendingPathComponent(file))
        }
    }

    /// Appends one line of text to `log.txt`.
    public func log(_ line: String) throws { try appendLine(line, to: Self.logFile) }

    /// The parsed objects of a journal as it is on disk now (another process may be writing it). A last line
    /// without its newline (torn by a kill, or still being written) is left out; any other line that is not a
    /// JSON object is an error naming the file and line.
    public func records(_ file: String) throws -> [[String: Any]] { try read(file).records }

    /// `records`, and the number of bytes of a torn last line left out (0 when the file ends with a newline).
    public func read(_ file: String) throws -> (records: [[String: Any]], tornBytes: Int) {
        let path = url.appendingPathComponent(file)
        guard let data = FileManager.default.contents(atPath: path.path) else { return ([], 0) }
        let complete = data.lastIndex(of: UInt8(ascii: "\n")).map { data[data.startIndex...$0] } ?? data.prefix(0)
        let lines = complete.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
        let records = try lines.enumerated().map { index, line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw TrainingError("\(path.path):\(index + 1): not a JSON object")
            }
            return object
        }
        return (records, data.count - complete.count)
    }

    /// Keeps the records of `step` and before in each of `files` (their later steps will be run again on
    /// resume), and drops a torn last line. Each file is replaced atomically and appended to afresh.
    public func truncateJournals(after step: Int, files: [String] = [metricsFile, evalFile, samplesFile, generatedPairsFile, sppoRoundsFile]) throws {
        for file in files {
            let (records, torn) = try read(file)
            let kept = records.filter { ($0["step"] as? NSNumber).map { $0.intValue <= step } ?? true }
            guard kept.count < records.count || torn > 0 else { continue }
            if torn > 0 { try? log("ignored a torn last line of \(file) (\(torn) bytes)") }
            try replaceJournal(file, with: kept)
        }
    }

    /// Flushes every journal this process appended to.
    public func syncJournals() throws {
        try lock.withLock {
            for (file, descriptor) in journals where fsync(descriptor) != 0 {
                throw FileProblem(errno: errno, what: "cannot flush", path: url.appendingPathComponent(file).path)
            }
        }
    }

    func closeJournals() {
        lock.withLock {
            journals.values.forEach { close($0) }
            journals = [:]
        }
    }

    private func appendLine(_ line: String, to file: String) throws {
        try appendBytes(Array(line.utf8) + [UInt8(ascii: "\n")], to: file)
    }

    /// Appends bytes to a file of the run (a path relative to it) with one `write`, cut back if it fails part-way.
    func appendBytes(_ bytes: [UInt8], to file: String) throws {
        let path = url.appendingPathComponent(file).path
        try lock.withLock {
            let descriptor: Int32
            if let open = journals[file] {
                descriptor = open
            } else {
                descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
                guard descriptor >= 0 else { throw FileProblem(errno: errno, what: "cannot open", path: path) }
                journals[file] = descriptor
            }
            let before = lseek(descriptor, 0, SEEK_END)
            do {
                try bytes.withUnsafeBytes { try AtomicFile.writeAll(descriptor, $0, path: path) }
            } catch {
                if before >= 0 { _ = ftruncate(descriptor, before) }
                throw error
            }
        }
    }
}
