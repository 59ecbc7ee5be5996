import Foundation
import Preference
import Training

/// A judge session's two files, for the judge screen and `dpo judge`: the verdict journal and the preference file
/// its decisive verdicts make.
///
/// Both are JSON Lines journals written with `RunDirectory`'s journal helpers (one `write` a line, cut back when it
/// fails part-way; atomic replacement for undo), whether they sit in a run directory or elsewhere. The verdict
/// journal is the record of truth: the preference file is written again from it whenever the two disagree (a
/// crash between the two appends).
public final class JudgeJournal {
    public let files: JudgeFiles
    private let directory: RunDirectory

    public init(_ files: JudgeFiles) throws {
        self.files = files
        try FileManager.default.createDirectory(atPath: files.directory, withIntermediateDirectories: true)
        directory = RunDirectory(url: URL(fileURLWithPath: files.directory))
    }

    /// The pairs of `source` (a preference file, or a built-in task read as `experiment` would) with the verdicts
    /// already saved in `files`, the preference file repaired from them when needed.
    public static func open(_ source: String, experiment: Experiment, files: JudgeFiles, returnScreen: ScreenID) throws
        -> (JudgeSession, JudgeJournal)
    {
        if !source.hasPrefix("builtin:"), !FileManager.default.fileExists(atPath: source) { throw TrainingError(missing(source)) }
        var settings = experiment
        settings.dataset = source
        let pairs = try ExperimentResolution(settings).trainingRecords().records.compactMap { record -> PreferencePair? in
            if case .pair(let pair) = record { return pair }
            return nil
        }
        guard !pairs.isEmpty else { throw TrainingError("\(source) holds no pairs to judge (unpaired examples have nothing to compare)") }
        let journal = try JudgeJournal(files)
        let judgments = try journal.directory.records(files.journal).compactMap(Judgment.init(record:))
        let session = JudgeSession(source: source, pairs: pairs, judgments: judgments, files: files, seed: experiment.seed,
                                   returnScreen: returnScreen)
        if try journal.directory.records(files.pairs).map(RunDirectory.line) != session.pairRecords.map(RunDirectory.line) {
            try journal.directory.replaceJournal(files.pairs, with: session.pairRecords)
        }
        return (session, journal)
    }

    /// Appends a verdict `session` just took, and its pair when it is decisive.
    public func record(_ judgment: Judgment, in session: JudgeSession) throws {
        try directory.append(judgment.record, to: files.journal)
        if let pair = session.pairRecord(judgment) { try directory.append(pair, to: files.pairs) }
    }

    /// Writes both files again from `session` (after an undo).
    public func rewrite(_ session: JudgeSession) throws {
        try directory.replaceJournal(files.journal, with: session.judgments.map(\.record))
        try directory.replaceJournal(files.pairs, with: session.pairRecords)
    }

    /// Why a source cannot be judged: for a run's pairs file, that the run made none.
    public static func missing(_ path: String) -> String {
        let url = URL(fileURLWithPath: path)
        guard url.lastPathComponent == RunDirectory.generatedPairsFile else { return "no such file \(path)" }
        return "\(url.deletingLastPathComponent().lastPathComponent) has no generated pairs "
            + "(Online DPO, RSO and SPPO runs write \(RunDirectory.generatedPairsFile))"
    }
}
