import ArgumentParser
import Foundation
import Model
import Training
import Workbench

/// `dpo frontier`: the DPO paper's reward-vs-KL picture (Fig. 2, left) from a folder of finished runs, as a table
/// and a text scatter, as JSON for other tools, or as an SVG for a paper.
struct FrontierCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frontier",
        abstract: "Reward against KL from the reference, per evaluation of each run: a table and a scatter (or SVG, JSON).",
        discussion: """
            Reads samples/kl, samples/reward and samples/reference_reward from each run's eval.jsonl (runs of an \
            experiment with samples: on a task with a ground-truth reward, e.g. dpo sweep experiments/frontier.yaml, \
            whose runs go to experiments/runs/frontier).
            """)

    @Argument(help: "The folder of runs.") var runs = "experiments/runs"

    @Option(help: "Also write the chart as a standalone SVG file.") var svg: String?

    @Flag(help: "Print the points as JSON instead of the table and chart.") var json = false

    @Option(help: "Chart width in columns.") var width = 80

    @Option(help: "Chart height in rows.") var height = 24

    func run() throws {
        let frontier = try Frontier.read(runsDirectory: URL(fileURLWithPath: runs))
        for skipped in frontier.skipped {
            FileHandle.standardError.write(Data("skipped \(skipped.run): \(skipped.reason)\n".utf8))
        }
        guard !frontier.runs.isEmpty || frontier.referenceReward != nil else {
            throw ValidationError("no run in \(runs) logged samples/kl and samples/reward")
        }
        if let svg {
            try AtomicFile.write(Data(FrontierSVG.document(frontier).utf8), to: URL(fileURLWithPath: svg))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(frontier), as: UTF8.self))
            return
        }
        print(frontier.table())
        let dominance = frontier.dominanceSummary()
        if !dominance.isEmpty { print("\n" + dominance) }
        print()
        let charset = Charset.detect(environment: ProcessInfo.processInfo.environment)
        print(FrontierChart.lines(frontier, width: width, height: height, charset: charset).joined(separator: "\n"))
        if let svg { print("\nwrote \(svg)") }
    }
}
