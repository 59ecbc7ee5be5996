import ArgumentParser

/// `dpo data`: look at, check and generate preference data. (Not named `Data`, which would hide Foundation's.)
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Inspect, validate and generate preference data.",
        subcommands: [DataStats.self, DataShow.self, DataValidate.self, DataBuiltin.self])
}
