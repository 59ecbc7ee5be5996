import ArgumentParser
import Preference

/// `dpo data show FILE`: records as a person reads them, with the prompt/completion boundary visible.
struct DataShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Print records readably: prompt, chosen and rejected, split as training sees them.")

    @OptionGroup var data: DataFileOptions
    @Option(help: "Show only the record at this 0-based position.") var index: Int?
    @Option(help: "How many records to show from the start when no --index is given.") var count = 3

    func run() throws {
        let file = try data.loadRecords()
        let positions: [Int]
        if let index {
            guard file.records.indices.contains(index) else {
                throw ValidationError("--index \(index) is out of range: the file has \(file.records.count) readable records")
            }
            positions = [index]
        } else {
            positions = Array(file.records.indices.prefix(count))
        }
        print("\(file.file): \(file.records.count) records, format \(file.format?.rawValue ?? "unknown"), "
            + "\(file.problems.count) unreadable (dpo data validate lists them)")
        print("each text line starts with │, so leading spaces and blank lines show")
        let annotations = PairAnnotation.read(contentsOf: data.url)
        for position in positions {
            print("")
            let record = file.records[position]
            print("── record \(position) · \(record.source) ──")
            if let annotation = annotations[record.source.line] { print(annotation.summary) }
            switch record {
            case .pair(let pair):
                if let system = pair.system { show("system", .text(system)) }
                show("prompt", pair.prompt)
                show("chosen", pair.chosen)
                show("rejected", pair.rejected)
            case .unpaired(let example):
                if let system = example.system { show("system", .text(system)) }
                show("prompt", example.prompt)
                show(example.isDesirable ? "completion (desirable)" : "completion (undesirable)", example.completion)
            }
        }
    }

    private func show(_ label: String, _ segment: Segment) {
        print("\(label):")
        switch segment {
        case .text(let text):
            printLines(text, indent: "  ")
        case .messages(let messages):
            for message in messages {
                print("  [\(message.role)]")
                printLines(message.content, indent: "    ")
            }
        }
    }

    private func printLines(_ text: String, indent: String) {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) { print("\(indent)│\(line)") }
    }
}
