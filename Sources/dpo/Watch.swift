import ArgumentParser
import Foundation
import Training
import Workbench

/// `dpo watch`: the Runs and Charts screens, read-only, for a server's run folders over SSH.
struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow the runs in a folder (Runs, Charts and Diagnostics screens, read-only), e.g. over SSH.",
        discussion: """
            Besides dpo's runs, it follows transformers/TRL output directories (the folder itself or those in it): \
            their TensorBoard event files under runs/ as they grow, and trainer_state.json's log_history.
            """)

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
