import Determinism

/// Which part of a built-in task: prompts of one split never occur in the other.
public enum Split: String, Sendable, Hashable, CaseIterable {
    case train
    case heldOut = "held-out"

    /// One prompt in ten is held out, decided by the prompt's text so a prompt can never land in both splits.
    static func of(prompt: String) -> Split { StableHash.of(prompt) % 10 == 0 ? .heldOut : .train }
}

/// A preference task the project generates itself, so the workbench trains out of the box and can measure what
/// DPO did with a ground-truth reward instead of a learned one.
///
/// Everything is a pure function of the task's seed, and each item of a list is drawn independently: asking for
/// more items extends a list without changing its start.
public protocol BuiltinTask: Sendable {
    var name: String { get }
    var summary: String { get }
    /// Texts for supervised fine-tuning before DPO (the paper's SFT stage), drawn from training prompts only.
    func sftCorpus(count: Int) -> [String]
    func pairs(_ split: Split, count: Int) -> [PreferencePair]
    /// The prompts of `pairs(split, count:)`, in the same order, for sampling and reward evaluation.
    func prompts(_ split: Split, count: Int) -> [String]
    /// The ground truth, in [0, 1]; `completion` is what follows `prompt`, as in a pair.
    func reward(prompt: String, completion: String) -> Double
}

extension BuiltinTask {
    public func prompts(_ split: Split, count: Int) -> [String] {
        pairs(split, count: count).map { pair in
            if case .text(let text) = pair.prompt { return text }
            return ""
        }
    }

    /// The pairs as records, for `PreferenceDataset.tokenize`.
    public func records(_ split: Split, count: Int) -> [PreferenceRecord] {
        pairs(split, count: count).map { .pair($0) }
    }
}

/// The built-in tasks by name, as `dpo data builtin NAME` and experiment files refer to them.
public enum BuiltinTasks {
    public static let names = ["sentiment", "arithmetic"]

    public static func named(_ name: String, seed: UInt64 = 0) -> (any BuiltinTask)? {
        switch name {
        case "sentiment": BuiltinSentiment(seed: seed)
        case "arithmetic": BuiltinArithmetic(seed: seed)
        default: nil
        }
    }
}

/// Draws items of `split` until `count` are found, item i from its own random stream.
func drawItems<Item>(
    _ split: Split, count: Int, seed: UInt64, salt: UInt64, prompt: (Item) -> String,
    _ make: (inout TaskRandom) -> Item?
) -> [Item] {
    var items: [Item] = []
    var stream: UInt64 = 0
    while items.count < count {
        var random = TaskRandom(seed: seed, stream: stream, salt: salt)
        stream += 1
        if let item = make(&random), Split.of(prompt: prompt(item)) == split { items.append(item) }
    }
    return items
}

/// A generated text and the prompt that decides its split.
struct PromptedText {
    let prompt: String
    let text: String
}
