import ArgumentParser

@main
struct DPO: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dpo",
        abstract: "DPO Workbench: Direct Preference Optimization on CPU, with a terminal workbench.",
        subcommands: [Train.self, Sweep.self, FrontierCommand.self, ExportCommand.self, Eval.self, RewardCommand.self, SampleCommand.self, Bench.self,
                      DataCommand.self, ModelCommand.self, JudgeCommand.self, TUI.self, Watch.self],
        defaultSubcommand: TUI.self)

    static func main() {
        OpenBLASEnvironment.restartIfNeeded()
        main(nil)
    }
}
