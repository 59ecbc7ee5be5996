import ArgumentParser
import Preference

/// `dpo data validate FILE`: every check a training run would make, every problem listed, non-zero exit on any.
struct DataValidate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check every record (JSON, UTF-8, fields, empty or identical completions, lengths); exit 1 on problems.")

    @OptionGroup var data: DataFileOptions
    @OptionGroup var tokenization: TokenizationOptions

    func run() throws {
        let file = try data.loadRecords()
        let encoder = try DataEncoder.make(tokenization.tokenizer, records: file.records)
        let settings = DatasetSettings(
            format: file.format, onError: .skip, chatTemplate: try tokenization.template(for: encoder),
            truncation: tokenization.truncation)
        let dataset = try PreferenceDataset.tokenize(
            file.records, file: file.file, format: file.format, earlierProblems: file.problems,
            encoder: encoder.encoder, settings: settings)
        let report = dataset.report
        for problem in report.skipped { print(problem) }
        print("\(report)")
        print("lengths counted in \(encoder.unit): \(encoder.description)")
        if !report.skipped.isEmpty {
            print("\(report.skipped.count) problem\(report.skipped.count == 1 ? "" : "s")")
            throw ExitCode(1)
        }
        print("no problems")
    }
}
