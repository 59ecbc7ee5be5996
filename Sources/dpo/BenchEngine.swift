import ArgumentParser

struct BenchEngine: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine", abstract: "Forward and backward throughput of the transformer against bare sgemm.")

    @Flag(help: "End with one JSON line of the figures.") var json = false

    func run() throws {}
}
