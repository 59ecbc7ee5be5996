import Foundation
import Training

/// The Data screen's other files and the judge screen's: opening a run's generated pairs, and carrying a judge
/// session's verdicts to its `JudgeJournal`.
extension WorkbenchApp {
    func browse(_ path: String?) {
        if let path, !FileManager.default.fileExists(atPath: path) {
            state.say(JudgeJournal.missing(path), error: true)
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
        do {
            let files = JudgeFiles.beside(source, outputDir: state.experiment.outputDir)
            let (session, journal) = try JudgeJournal.open(source, experiment: state.experiment, files: files, returnScreen: returnScreen)
            judgeJournal = journal
            state.judge = session
            state.screen = .judge
            state.say(session.judgments.isEmpty ? "judging \(session.pairs.count) pairs: a or b picks, t tie, s skip, u undo"
                : "resumed: \(session.progress)")
        } catch {
            state.say("cannot judge: \(error)", error: true)
        }
    }

    /// Saves a verdict the session took; when the write fails, the session gives it back, so screen and files agree.
    func record(_ judgment: Judgment) {
        guard let session = state.judge, let journal = judgeJournal else { return }
        do {
            try journal.record(judgment, in: session)
        } catch {
            _ = state.judge?.undo()
            state.say("verdict not saved: \(error)", error: true)
        }
    }

    func rewriteJudgments() {
        guard let session = state.judge, let journal = judgeJournal else { return }
        do {
            try journal.rewrite(session)
        } catch {
            state.say("undo not saved: \(error)", error: true)
        }
    }
}
