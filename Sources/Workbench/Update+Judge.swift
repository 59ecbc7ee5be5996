import Foundation
import Training

/// A run's generated pairs on the Data screen, and the human judge screen: verdicts change the session at once and
/// ask the app to write them, so a crash loses at most the verdict being written.
extension Update {
    static func judge(_ action: Action, _ state: inout AppState) -> [Effect] {
        switch action {
        case .browseGeneratedPairs:
            guard let path = state.cursorRun?.path else { break }
            return [.browse(path: generatedPairs(path))]
        case .openJudge:
            if state.screen == .runs {
                guard let path = state.cursorRun?.path else { break }
                return [.openJudge(source: generatedPairs(path), returnScreen: .runs)]
            }
            return [.openJudge(source: state.dataSource, returnScreen: state.screen)]
        case .judge(let verdict):
            guard let judgment = state.judge?.judge(verdict) else {
                state.say("every pair has a verdict: u undoes the last, q goes back")
                break
            }
            return [.recordJudgment(judgment)]
        case .undoJudgment:
            guard let judgment = state.judge?.undo() else {
                state.say("nothing to undo", error: true)
                break
            }
            state.say("took back the verdict on pair \(judgment.item + 1)")
            return [.rewriteJudgments]
        case .closeJudge:
            guard let session = state.judge else { break }
            state.screen = session.returnScreen
            state.judge = nil
            state.say("\(session.progress); pairs in \(session.files.pairsPath)")
        default:
            break
        }
        return []
    }

    static func generatedPairs(_ run: String) -> String {
        URL(fileURLWithPath: run).appendingPathComponent(RunDirectory.generatedPairsFile).path
    }
}
