import Foundation
import Preference

/// Scores completions of prompts. The online methods take chosen and rejected by these scores, and SPPO its win
/// probabilities by `winProbability`.
public protocol Judge: Sendable {
    /// As written beside the pairs it judged.
    var name: String { get }
    /// One score per (prompt, completion); `completion` is the text that follows `prompt`. Throws when a model
    /// judge cannot read a sequence (longer than its context, say).
    func scores(prompts: [String], completions: [String]) throws -> [Double]
    /// P(a ≻ b) for two completions of one prompt scored `a` and `b`.
    func winProbability(_ a: Double, over b: Double) -> Double
}

extension Judge {
    /// Bradley–Terry on the scores, σ(a − b): what a reward model trained on −log σ(r_c − r_r) means by its scores,
    /// and the preference a DPO policy's implicit reward implies.
    public func winProbability(_ a: Double, over b: Double) -> Double { sigmoid(a - b) }
}

/// A built-in task's ground-truth reward: the sentiment lexicon, arithmetic correctness.
public struct GroundTruthJudge: Judge {
    public let task: any BuiltinTask

    public init(task: any BuiltinTask) { self.task = task }

    public var name: String { "ground_truth:\(task.name)" }

    public func scores(prompts: [String], completions: [String]) -> [Double] {
        zip(prompts, completions).map { task.reward(prompt: $0, completion: $1) }
    }
}
