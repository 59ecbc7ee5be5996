import Preference

/// Scores completions of prompts. The online methods take chosen and rejected by these scores.
public protocol Judge: Sendable {
    /// As written beside the pairs it judged.
    var name: String { get }
    /// One score per (prompt, completion); `completion` is the text that follows `prompt`.
    func scores(prompts: [String], completions: [String]) -> [Double]
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
