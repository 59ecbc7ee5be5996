import ArgumentParser
import Foundation
import Training
import Workbench

/// `dpo watch`: the Runs and Charts screens, read-only, for a server's run folders over SSH.
struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow the runs in a folder (Runs and Charts screens, read-only), e.g. over SSH.")

    @Argument(help: "The folder of runs.") var runs = "experiments/runs"

    @OptionGroup var display: DisplayOptions

    func run() throws {
        var experiment = Experiment()
        experiment.outputDir = runs
        var options = WorkbenchOptions(experiment: experiment)
        options.runsDirectory = runs
        options.readOnly = true
        options.render = try display.render()
        let status = try WorkbenchApp.run(options)
        if status != 0 { throw ExitCode(status) }
    }
}
