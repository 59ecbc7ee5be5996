import Foundation
import Preference
import Training

/// The files behind the Data screen's other sources and the judge screen: opening a run's generated pairs, and
/// reading and writing a judge session's preference file and verdict journal.
///
/// Both judge files are JSON Lines journals written with `RunDirectory`'s journal helpers (one `write` a line,
/// cut back when it fails part-way; atomic replacement for undo), whether they sit in a run directory or in
/// `output_dir`. The verdict journal is the record of truth: the preference file is what its decisive verdicts
/// make, and is written again from it whenever the two disagree (a crash between the two appends).
extension WorkbenchApp {
    func browse(_ path: String?) {
        if let path, !FileManager.default.fileExists(atPath: path) {
            state.say(missingPairs(path), error: true)
            return
        }
        state.data.file = path
        state.data.snapshot = nil
        state.data.cursor = 0
        state.data.scroll = 0
        state.screen = .data
        reloadData()
    }

    func openJudge(_ source: String, returnScreen: ScreenID) {
        if !source.hasPrefix("builtin:"), !FileManager.default.fileExists(atPath: source) {
            state.say(missingPairs(source), error: true)
            return
        }
        do {
            var experiment = state.experiment
            experiment.dataset = source
            let pairs = try ExperimentResolution(experiment).trainingRecords().records.compactMap { record -> PreferencePair? in
                if case .pair(let pair) = record { return pair }
                return nil
            }
            guard !pairs.isEmpty else {
                state.say("\(source) holds no pairs to judge (unpaired examples have nothing to compare)", error: true)
                return
            }
            let files = JudgeFiles.beside(source, outputDir: state.experiment.outputDir)
            try FileManager.default.createDirectory(atPath: files.directory, withIntermediateDirectories: true)
            let journal = judgeDirectory(files)
            let judgments = try journal.records(files.journal).compactMap(Judgment.init(record:))
            let session = JudgeSession(source: source, pairs: pairs, judgments: judgments, files: files, seed: state.experiment.seed,
                                       returnScreen: returnScreen)
            let expected = try session.pairRecords.map(RunDirectory.line)
            if try journal.records(files.pairs).map(RunDirectory.line) != expected {
                try journal.replaceJournal(files.pairs, with: session.pairRecords)
            }
            state.judge = session
            state.screen = .judge
            state.say(session.judgments.isEmpty ? "judging \(pairs.count) pairs: a or b picks, t tie, s skip, u undo"
                : "resumed: \(session.progress)")
        } catch {
            state.say("cannot judge \(source): \(error)", error: true)
        }
    }

    /// Appends a verdict the session took; when the write fails, the session gives it back, so screen and files agree.
    func record(_ judgment: Judgment) {
        guard let session = state.judge else { return }
        let files = session.files
        let journal = judgeDirectory(files)
        do {
            try journal.append(judgment.record, to: files.journal)
            if let pair = session.pairRecord(judgment) { try journal.append(pair, to: files.pairs) }
        } catch {
            _ = state.judge?.undo()
            state.say("verdict not saved: \(error)", error: true)
        }
    }

    func rewriteJudgments() {
        guard let session = state.judge else { return }
        let journal = judgeDirectory(session.files)
        do {
            try journal.replaceJournal(session.files.journal, with: session.judgments.map(\.record))
            try journal.replaceJournal(session.files.pairs, with: session.pairRecords)
        } catch {
            state.say("undo not saved: \(error)", error: true)
        }
    }

    /// The folder of the judge's files, as the journal helpers see it (one per session, so appends share descriptors).
    private func judgeDirectory(_ files: JudgeFiles) -> RunDirectory {
        if let open = judgeJournals, open.url == URL(fileURLWithPath: files.directory) { return open }
        let directory = RunDirectory(url: URL(fileURLWithPath: files.directory))
        judgeJournals = directory
        return directory
    }

    private func missingPairs(_ path: String) -> String {
        let url = URL(fileURLWithPath: path)
        guard url.lastPathComponent == RunDirectory.generatedPairsFile else { return "no such file \(path)" }
        return "\(url.deletingLastPathComponent().lastPathComponent) has no generated pairs (Online DPO and RSO runs write \(RunDirectory.generatedPairsFile))"
    }
}
