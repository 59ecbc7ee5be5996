import Determinism
import Foundation
import Preference

/// A human's verdict on one A/B item.
public enum Verdict: String, Sendable, CaseIterable {
    case a, b, tie, skip

    /// Picks one side, so it makes a preference pair.
    public var isDecisive: Bool { self == .a || self == .b }
}

/// One verdict as the sidecar journal keeps it: `{"item", "verdict", "shown_first": "chosen"|"rejected"}`.
public struct Judgment: Sendable, Equatable {
    /// Position of the pair in the source's pairs.
    public var item: Int
    public var verdict: Verdict
    /// The source's chosen completion was the one shown as A.
    public var chosenFirst: Bool

    public init(item: Int, verdict: Verdict, chosenFirst: Bool) {
        self.item = item
        self.verdict = verdict
        self.chosenFirst = chosenFirst
    }

    public init?(record: [String: Any]) {
        guard let item = (record["item"] as? NSNumber)?.intValue, let verdict = (record["verdict"] as? String).flatMap(Verdict.init),
              let first = record["shown_first"] as? String, first == "chosen" || first == "rejected" else { return nil }
        self.init(item: item, verdict: verdict, chosenFirst: first == "chosen")
    }

    public var record: [String: Any] { ["item": item, "verdict": verdict.rawValue, "shown_first": chosenFirst ? "chosen" : "rejected"] }

    /// The human preferred the completion the source calls chosen (nil for a tie or a skip).
    public var agreesWithSource: Bool? { verdict.isDecisive ? (verdict == .a) == chosenFirst : nil }
}

/// Where a judge session writes: a preference file of the decisive verdicts and the sidecar journal of every verdict.
public struct JudgeFiles: Sendable, Equatable {
    public var directory: String
    /// TRL standard (or conversational) records `{"prompt", "chosen", "rejected", "judge": "human"}`.
    public var pairs: String
    /// Every verdict, ties and skips included: what resume and undo read.
    public var journal: String

    /// An empty `directory` (a bare file name's) is the current one.
    public init(directory: String, pairs: String, journal: String) {
        self.directory = directory.isEmpty ? "." : directory
        self.pairs = pairs
        self.journal = journal
    }

    // Joined as text, not through `URL(fileURLWithPath:)`, so a relative folder stays relative on the screen.
    public var pairsPath: String { (directory as NSString).appendingPathComponent(pairs) }
    public var journalPath: String { (directory as NSString).appendingPathComponent(journal) }

    /// A run's generated pairs are judged into that run's directory (`human_pairs.jsonl`, `human_judgments.jsonl`);
    /// any other source (a dataset file, a built-in task) into `output_dir`, named after it, so two datasets judged
    /// there keep separate files.
    public static func beside(_ source: String, outputDir: String) -> JudgeFiles {
        let path = source as NSString
        if !source.hasPrefix("builtin:"), path.lastPathComponent == "generated_pairs.jsonl" {
            return JudgeFiles(directory: path.deletingLastPathComponent, pairs: "human_pairs.jsonl", journal: "human_judgments.jsonl")
        }
        let stem = source.hasPrefix("builtin:") ? source.replacingOccurrences(of: ":", with: "-")
            : (path.lastPathComponent as NSString).deletingPathExtension
        return JudgeFiles(directory: outputDir, pairs: "human_pairs-\(stem).jsonl", journal: "human_judgments-\(stem).jsonl")
    }
}

/// The human judge screen's model: the source's pairs, the verdicts so far, where they are saved. Every change is a
/// pure function here; the app writes what they return.
public struct JudgeSession: Sendable, Equatable {
    /// The file or built-in task the pairs came from, as named to the user.
    public var source: String
    public var pairs: [PreferencePair]
    /// In the order they were made; the items judged are always the first ones (each verdict goes to `current`).
    public var judgments: [Judgment]
    public var files: JudgeFiles
    /// Seeds the A/B order, so the same item shows the same way after a restart.
    public var seed: Int
    /// Lines the completions are scrolled by.
    public var scroll = 0
    /// Where `q` returns to.
    public var returnScreen: ScreenID

    public init(source: String, pairs: [PreferencePair], judgments: [Judgment] = [], files: JudgeFiles, seed: Int, returnScreen: ScreenID) {
        self.source = source
        self.pairs = pairs
        self.judgments = judgments.filter { pairs.indices.contains($0.item) }
        self.files = files
        self.seed = seed
        self.returnScreen = returnScreen
    }

    /// The first item without a verdict; nil when every item has one.
    public var current: Int? {
        let judged = Set(judgments.map(\.item))
        return pairs.indices.first { !judged.contains($0) }
    }

    /// Whether item `index` shows the source's chosen completion as A: a hash of the seed, the position and the
    /// prompt, so the order looks random to the human (who must not learn that A is always "chosen") and is the
    /// same on every machine and every reopening.
    public func chosenFirst(_ index: Int) -> Bool {
        var hash = StableHash()
        hash.combine("human-judge")
        hash.combine(seed)
        hash.combine(index)
        hash.combine(DataSnapshot.text(pairs[index].prompt, system: pairs[index].system))
        return hash.value & 1 == 0
    }

    /// The completions of item `index` as shown: A first.
    public func shown(_ index: Int) -> (a: Segment, b: Segment) {
        let pair = pairs[index]
        return chosenFirst(index) ? (pair.chosen, pair.rejected) : (pair.rejected, pair.chosen)
    }

    public var ties: Int { judgments.filter { $0.verdict == .tie }.count }
    public var skipped: Int { judgments.filter { $0.verdict == .skip }.count }

    /// Decisive verdicts that picked the source's chosen, and how many decisive verdicts there are.
    public var agreement: (agreed: Int, of: Int) {
        let decisive = judgments.compactMap(\.agreesWithSource)
        return (decisive.filter { $0 }.count, decisive.count)
    }

    /// `12/200 judged, 3 ties, 2 skipped`: ties count as judged, skips do not.
    public var progress: String {
        "\(judgments.count - skipped)/\(pairs.count) judged, \(ties) tie\(ties == 1 ? "" : "s"), \(skipped) skipped"
    }

    /// Gives the current item `verdict`; returns the judgment to append, nil when nothing is left to judge.
    public mutating func judge(_ verdict: Verdict) -> Judgment? {
        guard let item = current else { return nil }
        let judgment = Judgment(item: item, verdict: verdict, chosenFirst: chosenFirst(item))
        judgments.append(judgment)
        scroll = 0
        return judgment
    }

    /// Takes back the last verdict, whose item becomes the current one again.
    public mutating func undo() -> Judgment? {
        scroll = 0
        return judgments.popLast()
    }

    /// The preference record a decisive judgment makes: the side the human picked as chosen. Text pairs are TRL's
    /// standard format, chat-message pairs its conversational one, so the file loads as the source did.
    public func pairRecord(_ judgment: Judgment) -> [String: Any]? {
        guard judgment.verdict.isDecisive else { return nil }
        let pair = pairs[judgment.item]
        let humanChose = judgment.agreesWithSource == true
        var record: [String: Any] = [
            "prompt": Self.json(pair.prompt), "chosen": Self.json(humanChose ? pair.chosen : pair.rejected),
            "rejected": Self.json(humanChose ? pair.rejected : pair.chosen), "judge": "human",
        ]
        if let system = pair.system { record["system"] = system }
        return record
    }

    /// Every record the preference file should hold, in the order of the verdicts.
    public var pairRecords: [[String: Any]] { judgments.compactMap(pairRecord) }

    private static func json(_ segment: Segment) -> Any {
        switch segment {
        case .text(let text): text
        case .messages(let messages): messages.map { ["role": $0.role, "content": $0.content] }
        }
    }
}
