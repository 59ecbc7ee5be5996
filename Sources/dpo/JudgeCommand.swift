import ArgumentParser
import Foundation
import Preference
import Training
import Workbench

/// `dpo judge PAIRS_FILE`: the judge screen without a terminal. Each pair is printed with its completions as A
/// and B (in the same seeded order as the screen), and a verdict is read from standard input, one a line; the
/// files and resume are the screen's (`JudgeJournal`).
struct JudgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "judge", abstract: "Judge preference pairs yourself, A/B, reading a, b, t (tie), s (skip) or u (undo) from stdin.",
        discussion: """
            Picks go to a TRL preference file any run can train on; every verdict goes to a journal beside it, so a \
            second call resumes at the first pair without one. A run's generated_pairs.jsonl is judged into the run's \
            human_pairs.jsonl, anything else into the default output_dir (or --out).
            """)

    @Argument(help: "A preference file (a run's generated_pairs.jsonl, or any dataset) or a built-in task, builtin:NAME.")
    var source: String

    @Option(help: "The preference file to write (its verdict journal goes beside it, as NAME.judgments.jsonl).")
    var out: String?

    @Option(help: "Seeds the A/B order; the workbench uses the experiment's seed.") var seed = Experiment().seed

    func run() throws {
        var experiment = Experiment()
        experiment.seed = seed
        let files = out.map { path -> JudgeFiles in
            let file = path as NSString
            return JudgeFiles(directory: file.deletingLastPathComponent,
                              pairs: file.lastPathComponent, journal: (file.lastPathComponent as NSString).deletingPathExtension + ".judgments.jsonl")
        } ?? JudgeFiles.beside(source, outputDir: experiment.outputDir)
        let opened = try JudgeJournal.open(source, experiment: experiment, files: files, returnScreen: .data)
        var session = opened.0
        let journal = opened.1
        print("\(session.pairs.count) pairs; \(session.progress); pairs → \(files.pairsPath), verdicts → \(files.journalPath)")
        // Until the input ends: once every pair has a verdict, u can still take the last one back.
        while true {
            if let item = session.current {
                show(session, item)
            } else {
                print("every pair has a verdict: u takes back the last; end the input to finish")
            }
            guard let line = readLine() else { break }
            let answer = line.trimmingCharacters(in: .whitespaces).lowercased()
            let verdicts: [String: Verdict] = ["a": .a, "1": .a, "b": .b, "2": .b, "t": .tie, "s": .skip]
            if let verdict = verdicts[answer] {
                if let judgment = session.judge(verdict) { try journal.record(judgment, in: session) }
            } else if answer == "u" {
                if session.undo() != nil { try journal.rewrite(session) }
            } else {
                printToStandardError("answer a (or 1), b (or 2), t, s or u, one a line")
            }
        }
        print("\(session.progress); you picked the source's chosen in \(session.agreement.agreed) of \(session.agreement.of)")
    }

    private func show(_ session: JudgeSession, _ item: Int) {
        let pair = session.pairs[item], (a, b) = session.shown(item)
        print("\n── pair \(item + 1) of \(session.pairs.count) ──")
        for (label, text) in [("prompt", DataSnapshot.text(pair.prompt, system: pair.system)), ("A", DataSnapshot.text(a)), ("B", DataSnapshot.text(b))] {
            print("\(label):")
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) { print("  │\(line)") }
        }
        print("a/b/t/s/u? ", terminator: "")
    }
}
