import ArgumentParser
import Foundation
import Preference
import Tokenizer

/// `dpo bench data`: how fast preference files are read (parse and field extraction) and tokenized, in MB/s of
/// input text, so data loading can be checked against training speed.
struct BenchData: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "JSONL reading and tokenizer encoding speed, in MB/s of input.")

    @Flag(help: "End with one JSON line: jsonl_mb_per_s, tokenizer_mb_per_s.") var json = false
    @Option(help: "Measure on this preference file instead of a generated corpus of a few MB.") var file: String?
    @Option(help: "Tokenizer directory (default: a byte-level BPE trained on the corpus).") var tokenizer: String?
    @Option(help: "Measured rounds; the median is reported.") var rounds = 5

    func run() throws {
        Measure.warnIfDebugBuild("`swift build -c release`")
        let bytes = try file.map { Array(try Foundation.Data(contentsOf: URL(fileURLWithPath: $0))) } ?? generatedCorpus()
        var records: [PreferenceRecord] = []
        var readSeconds: [Double] = []
        for _ in 0..<rounds {
            readSeconds.append(try Measure.seconds {
                records = try bytes.withUnsafeBytes { try RecordLoader.load(bytes: $0, name: "corpus").records }
            })
        }
        let megabytes = Double(bytes.count) / 1e6
        let jsonlRate = megabytes / Measure.median(readSeconds)

        let texts = records.flatMap(\.texts)
        let encoder: BPETokenizer
        let encoderName: String
        if let tokenizer {
            encoder = try BPETokenizer.load(directory: URL(fileURLWithPath: tokenizer))
            encoderName = tokenizer
        } else {
            encoder = BPETokenizer.train(
                corpus: Array(texts.prefix(20_000)), vocabularySize: DataEncoder.trainedVocabularySize,
                specialTokens: ["<|endoftext|>"])
            encoderName = "a \(DataEncoder.trainedVocabularySize)-token BPE trained on the corpus"
        }
        let textMegabytes = Double(texts.reduce(0) { $0 + $1.utf8.count }) / 1e6
        var tokens = 0
        var encodeSeconds: [Double] = []
        for _ in 0..<max(1, rounds / 2) {
            encodeSeconds.append(Measure.seconds { tokens = texts.reduce(0) { $0 + encoder.encode($1).count } })
        }
        let tokenizerRate = textMegabytes / Measure.median(encodeSeconds)

        print(String(format: "corpus: %@, %.1f MB, %d records", file ?? "generated (built-in tasks)", megabytes, records.count))
        print(String(format: "JSONL read (parse + field extraction): %.0f MB/s, median of %d", jsonlRate, rounds))
        print(String(format: "tokenizer encode (%@): %.2f MB/s over %.1f MB of text, %.2f bytes per token",
                     encoderName, tokenizerRate, textMegabytes, textMegabytes * 1e6 / Double(max(1, tokens))))
        if json { print(Measure.jsonLine(["jsonl_mb_per_s": jsonlRate, "tokenizer_mb_per_s": tokenizerRate])) }
    }

    /// About 4 MB of TRL-standard lines from both built-in tasks.
    private func generatedCorpus() -> [UInt8] {
        let pairs = BuiltinSentiment(seed: 1).pairs(.train, count: 8000) + BuiltinArithmetic(seed: 1).pairs(.train, count: 8000)
        var text = ""
        for pair in pairs { text += pair.standardJSON!.serialized + "\n" }
        return Array(text.utf8)
    }
}
