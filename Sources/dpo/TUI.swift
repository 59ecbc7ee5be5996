import ArgumentParser
import Foundation
import Training
import Workbench

/// How the workbench draws: charset and colours.
struct DisplayOptions: ParsableArguments {
    @Flag(help: "Plain ASCII: no braille, blocks or box lines (also chosen when the locale is not UTF-8).") var ascii = false
    @Option(help: "Chart dots: braille (2×4 a cell), blocks (1×2) or ascii. Default: from the locale and terminal.")
    var charset: String?
    @Flag(name: .customLong("no-color"), help: "Monochrome (also when NO_COLOR is set).") var noColor = false

    func render() throws -> RenderOptions {
        let environment = ProcessInfo.processInfo.environment
        var chosen = Charset.detect(environment: environment)
        if let charset {
            guard let parsed = Charset(rawValue: charset) else { throw ValidationError("--charset takes braille, blocks or ascii") }
            chosen = parsed
        }
        if ascii { chosen = .ascii }
        let noColorSet = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        return RenderOptions(charset: chosen, colors: !noColor && !noColorSet)
    }
}

/// `dpo` and `dpo tui`: the workbench on an experiment (the built-in demo by default) or on a folder of runs.
struct TUI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tui",
        abstract: "Open the workbench (what `dpo` alone does): browse data, tune, launch runs, watch live charts.",
        discussion: """
            With no argument it opens experiments/demo.yaml when the current folder has one, else the built-in demo \
            (the same file, built into dpo: builtin:tiny on builtin:sentiment). Runs started here train on background \
            threads; quitting offers to keep them running detached. Keys: ? in the workbench.
            """)

    @Argument(help: "An experiment file, or a folder of runs to follow (new runs then go there too).")
    var target: String?

    @OptionGroup var overrides: ExperimentOverrides

    @Option(help: "Runs of this workbench that train at the same time.") var jobs = 1

    @OptionGroup var display: DisplayOptions

    func run() throws {
        var file: String?
        var runsDirectory: String?
        var isDirectory: ObjCBool = false
        if let target, FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory), isDirectory.boolValue {
            runsDirectory = target
        } else if let target {
            file = target
        } else if FileManager.default.fileExists(atPath: "experiments/demo.yaml") {
            file = "experiments/demo.yaml"
        }
        // Outside the repository the demo comes from the binary, so `dpo` alone still opens the tuned demo.
        let base = file == nil && runsDirectory == nil ? try BuiltinDemo.experiment() : Experiment()
        var experiment = try overrides.experiment(file: file, base: base)
        if let runsDirectory { experiment.outputDir = runsDirectory }
        var options = WorkbenchOptions(experiment: experiment, experimentFile: file)
        options.runsDirectory = runsDirectory
        options.render = try display.render()
        options.maxConcurrent = max(1, jobs)
        guard isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0 else {
            FileHandle.standardError.write(Data("dpo: the workbench needs a terminal; `dpo train` runs headless, `dpo --help` lists the commands\n".utf8))
            throw ExitCode(2)
        }
        options.detachDescriptor = WorkbenchApp.superviseForDetach()
        let status = try WorkbenchApp.run(options)
        if status != 0 { throw ExitCode(status) }
    }
}
