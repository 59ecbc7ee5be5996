import Foundation
import Preference

/// A judge as an experiment names it: `ground_truth` (the built-in task's own reward), `reward_model:DIR` (a reward
/// model trained by `dpo reward train`: its run directory or a saved model) or `implicit_reward:RUN` (a finished
/// DPO run's β · log π/π_ref). Paths are relative to the working directory.
public enum JudgeSpec: Sendable, Equatable {
    case groundTruth
    case rewardModel(path: String)
    case implicitReward(run: String)

    /// For the key table's range column.
    public static let forms = "ground_truth|reward_model:DIR|implicit_reward:RUN"

    public init(_ text: String) throws {
        func path(after prefix: String) -> String? {
            text.hasPrefix(prefix) && text.count > prefix.count ? String(text.dropFirst(prefix.count)) : nil
        }
        if text == "ground_truth" {
            self = .groundTruth
        } else if let path = path(after: "reward_model:") {
            self = .rewardModel(path: path)
        } else if let run = path(after: "implicit_reward:") {
            self = .implicitReward(run: run)
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
                                      + "for a file, name a judge model: reward_model:DIR or implicit_reward:RUN")
            }
            return GroundTruthJudge(task: task)
        case .rewardModel(let path):
            do {
                return try RewardModelJudge(directory: URL(fileURLWithPath: path))
            } catch {
                throw ExperimentError(key: key, "\(error)")
            }
        case .implicitReward(let run):
            do {
                return try ImplicitRewardJudge(run: URL(fileURLWithPath: run))
            } catch {
                throw ExperimentError(key: key, "\(error)")
            }
        }
    }
}
