import Foundation
import Preference

/// A judge as an experiment names it: `ground_truth` (the built-in task's own reward), `reward_model:DIR` (a reward
/// model trained by `dpo reward train`: its run directory or a saved model) or `implicit_reward:RUN` (a finished
/// DPO run's β · log π/π_ref). Paths are relative to the working directory; a path that does not exist names the
/// newest finished run whose directory starts with it (`runs/reward-hh` → `runs/reward-hh-20261202-190102`), since
/// run directories carry their start time.
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
                return try RewardModelJudge(directory: try Self.run(path))
            } catch {
                throw ExperimentError(key: key, "\(error)")
            }
        case .implicitReward(let run):
            do {
                return try ImplicitRewardJudge(run: try Self.run(run))
            } catch {
                throw ExperimentError(key: key, "\(error)")
            }
        }
    }

    /// `path` itself, or the newest finished run directory whose name is `path`'s last component, a dash and more.
    static func run(_ path: String) throws -> URL {
        let url = URL(fileURLWithPath: path)
        if FileManager.default.fileExists(atPath: url.path) { return url }
        let parent = url.deletingLastPathComponent(), prefix = url.lastPathComponent + "-"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
        let finished = names.filter { name in
            name.hasPrefix(prefix) && RunDirectory(url: parent.appendingPathComponent(name)).readStatus()?.state == .finished
        }
        // The start time follows the prefix as yyyyMMdd-HHmmss, so the newest sorts last.
        guard let newest = finished.max() else {
            throw TrainingError("\(path) does not exist, and no finished run in \(parent.path) starts with \(prefix)")
        }
        return parent.appendingPathComponent(newest)
    }
}
