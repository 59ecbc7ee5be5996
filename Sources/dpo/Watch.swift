import ArgumentParser
import Foundation
import Training
import Workbench

/// `dpo watch`: the Runs, Charts and Diagnostics screens, read-only, for a server's run folders over SSH; `--once`
/// and `--json` give the same picture to scripts.
struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow the runs in a folder (Runs, Charts and Diagnostics screens, read-only), e.g. over SSH.",
        discussion: """
            Besides dpo's runs, it follows transformers/TRL output directories (the folder itself or those in it): \
            their TensorBoard event files under runs/ as they grow, and trainer_state.json's log_history. \
            --once prints one screen as text and exits; --json prints each run's state, last metrics and warnings.
            """)

    @Argument(help: "The folder of runs.") var runs = "experiments/runs"

    @OptionGroup var display: DisplayOptions

    @Flag(help: "Print one screen as text and exit.") var once = false
    @Flag(help: "Print the runs, their last metrics and fired warnings as JSON and exit.") var json = false
    @Option(help: "With --once: the screen, runs, charts or diagnostics.") var screen = "runs"
    @Option(help: "With --once: the screen size, WIDTHxHEIGHT.") var size = "120x40"

    func run() throws {
        var experiment = Experiment()
        experiment.outputDir = runs
        var options = WorkbenchOptions(experiment: experiment)
        options.runsDirectory = runs
        options.readOnly = true
        options.render = try display.render()
        guard once || json else {
            let status = try WorkbenchApp.run(options)
            if status != 0 { throw ExitCode(status) }
            return
        }
        let app = WorkbenchApp(options: options)
        app.start()
        if json { return try printJSON(app.state.runs) }
        let parts = size.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2 else { throw ValidationError("--size is WIDTHxHEIGHT, e.g. 120x40") }
        guard let shown = ["runs": ScreenID.runs, "charts": .charts, "diagnostics": .diagnostics][screen] else {
            throw ValidationError("--screen is runs, charts or diagnostics")
        }
        var state = app.state
        state.screen = shown
        print(Renderer.frame(state, size: Size(width: parts[0], height: parts[1]), options: options.render).lines.joined(separator: "\n"))
    }

    private func printJSON(_ runs: [RunInfo]) throws {
        let objects: [[String: Any]] = runs.map { run in
            var object: [String: Any] = ["name": run.name, "path": run.path ?? "", "state": run.stateLabel]
            if let status = run.status { object["step"] = status.step; object["total_steps"] = status.totalSteps }
            var last: [String: Double] = [:]
            for table in [run.metrics, run.eval] {
                for key in table.columns.keys { if let value = table.last(key) { last[key] = value } }
            }
            object["last"] = last
            object["warnings"] = run.diagnoses.filter { $0.verdict == .fired }.map { ["kind": $0.kind.rawValue, "detail": $0.detail] }
            return object
        }
        let data = try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: data, as: UTF8.self))
    }
}
