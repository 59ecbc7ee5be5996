import ArgumentParser
import Foundation
import Preference

/// `dpo data stats FILE`: what a trainer would see of a file, before training on it.
struct DataStats: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Token-length distributions, length bias, duplicates and truncation of a preference file.")

    @OptionGroup var data: DataFileOptions
    @OptionGroup var tokenization: TokenizationOptions
    @Option(
        help: ArgumentHelp(
            "fail: stop at the first unreadable record, with a count of the others; skip: leave them out and list "
                + "them. (Records too long for --max-length are counted as dropped either way.)"))
    var onError = OnError.fail

    func run() throws {
        let file = try data.loadRecords()
        let encoder = try DataEncoder.make(tokenization.tokenizer, records: file.records)
        let settings = DatasetSettings(
            format: file.format, onError: onError, chatTemplate: try tokenization.template(for: encoder),
            truncation: .none)
        let dataset: TokenizedDataset
        do {
            dataset = try PreferenceDataset.tokenize(
                file.records, file: file.file, format: file.format, earlierProblems: file.problems,
                encoder: encoder.encoder, settings: settings)
        } catch {
            printToStandardError("error: \(error)")
            throw ExitCode(1)
        }
        let statistics = DatasetStatistics.compute(
            pairs: dataset.pairs, unpaired: dataset.unpaired, file: file.file, format: file.format,
            unit: encoder.unit, tokenizer: encoder.description, truncation: tokenization.truncation, problems: dataset.report.skipped)
        print(statistics.formatted())
    }
}
