import ArgumentParser
import Foundation
import Preference

/// `dpo data builtin NAME --out FILE`: a built-in task's pairs as TRL-standard JSON Lines, for inspection or for
/// training elsewhere.
struct DataBuiltin: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "builtin",
        abstract: "Write a built-in task's pairs (\(BuiltinTasks.names.joined(separator: ", "))) as TRL-standard JSONL.")

    @Argument(help: "Task name: \(BuiltinTasks.names.joined(separator: ", ")).") var name: String
    @Option(help: "Output file.") var out: String
    @Option(help: "Number of pairs.") var count = 1000
    @Option(help: "train or held-out.") var split = Split.train
    @Option(help: "Seed: the same seed writes the same file.") var seed: UInt64 = 0
    @Flag(help: "Write the task's SFT corpus ({\"text\": …} lines) instead of pairs.") var sft = false

    func run() throws {
        guard let task = BuiltinTasks.named(name, seed: seed) else {
            throw ValidationError("no built-in task '\(name)'; choose one of \(BuiltinTasks.names.joined(separator: ", "))")
        }
        let lines: [JSON]
        if sft {
            lines = task.sftCorpus(count: count).map { .object(["text": .string($0)]) }
        } else {
            lines = task.pairs(split, count: count).compactMap(\.standardJSON)
        }
        let text = lines.map(\.serialized).joined(separator: "\n") + "\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
        print("wrote \(lines.count) \(sft ? "SFT texts" : "\(split.rawValue) pairs") of '\(name)' (seed \(seed)) to \(out)")
    }
}
