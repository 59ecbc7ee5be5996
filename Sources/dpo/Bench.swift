import ArgumentParser

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed in a release build; figures are ratios against sgemm run in the same process.",
        subcommands: [BenchEngine.self, BenchTrain.self, BenchData.self, BenchJournal.self, BenchGenerate.self, BenchDecode.self])
}
