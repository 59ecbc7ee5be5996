import Foundation
import Preference

/// A judge as an experiment names it: `ground_truth` (the built-in task's own reward) or `implicit_reward:RUN` (a
/// finished DPO run's β · log π/π_ref). Paths are relative to the working directory.
public enum JudgeSpec: Sendable, Equatable {
    case groundTruth
    case implicitReward(run: String)

    /// For the key table's range column.
    public static let forms = "ground_truth|implicit_reward:RUN"

    public init(_ text: String) throws {
        if text == "ground_truth" {
            self = .groundTruth
        } else if text.hasPrefix("implicit_reward:"), text.count > "implicit_reward:".count {
            self = .implicitReward(run: String(text.dropFirst("implicit_reward:".count)))
        } else {
            throw TrainingError("'\(text)' is not a judge: give \(Self.forms)")
        }
    }

    /// The judge, loading any model it names; `task` is the run's built-in task, which `ground_truth` needs.
    /// `key` names the experiment key in errors.
    public func resolve(task: (any BuiltinTask)?, key: String) throws -> any Judge {
        switch self {
        case .groundTruth:
            guard let task else {
                throw ExperimentError(key: key, "ground_truth needs a built-in task as dataset (builtin:sentiment, builtin:arithmetic); "
                                      + "for a file, name a judge model: implicit_reward:RUN")
            }
            return GroundTruthJudge(task: task)
        case .implicitReward(let run):
            do {
                return try ImplicitRewardJudge(run: URL(fileURLWithPath: run))
            } catch {
                throw ExperimentError(key: key, "\(error)")
            }
        }
    }
}
