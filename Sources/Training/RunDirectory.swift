import Foundation
import Model

/// A run on disk, the contract between trainer, command line and workbench:
///
///     <output_dir>/<run-id>/
///       config.yaml  status.json  metrics.jsonl  eval.jsonl  samples.jsonl  log.txt
///       reference_logps.json   checkpoints/step-N/   sft/   final/   tokenizer/
///
/// Every file but the journals is replaced atomically (`AtomicFile`); the JSONL journals and `log.txt` are
/// appended to, one write a line (see `RunDirectory+Journals.swift`). A run opened again (resume, or a viewer)
/// reads its journals back.
public final class RunDirectory: @unchecked Sendable {
    public let url: URL
    let lock = NSLock()
    /// Open append descriptors of the journals written by this process, by file name.
    var journals: [String: Int32] = [:]

    public init(url: URL) {
        self.url = url
    }

    deinit { closeJournals() }

    /// A new run directory named `<name>-<yyyyMMdd-HHmmss>` (with a suffix if taken) under `outputDir`. Each name
    /// is claimed by one `mkdir`, which fails when the name exists, so two runs started in the same second (a
    /// sweep, two workbenches) never share a directory.
    public static func create(in outputDir: URL, name: String) throws -> RunDirectory {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: outputDir.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw TrainingError("output_dir \(outputDir.path) is a file, not a directory")
        }
        do {
            try FileManager.default.createDirectory(at: outputDir, withIntermediateDirectories: true)
        } catch {
            throw TrainingError("output_dir \(outputDir.path) cannot be created (a part of the path is a file, or no permission)")
        }
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
    public static let statusFile = "status.json"
    public static let configFile = "config.yaml"
    /// Held (flock) by the one process that trains the run (`RunLock`).
    public static let lockFile = "lock"
    public var statusURL: URL { url.appendingPathComponent(Self.statusFile) }
    public var configURL: URL { url.appendingPathComponent(Self.configFile) }
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
        try AtomicFile.write(try encoder.encode(status), to: statusURL)
    }

    public func readStatus() -> RunStatus? {
        guard let data = try? Data(contentsOf: statusURL) else { return nil }
        return try? JSONDecoder().decode(RunStatus.self, from: data)
    }

    public func writeConfig(_ experiment: Experiment) throws {
        try AtomicFile.write(Data(experiment.yaml().utf8), to: configURL)
    }

    public func readConfig() throws -> Experiment {
        try Experiment(contentsOf: configURL)
    }
}
