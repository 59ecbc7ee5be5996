import ArgumentParser
import Foundation
import Preference
import Tokenizer

extension RecordFormat: ExpressibleByArgument {}
extension OnError: ExpressibleByArgument {}
extension TruncationMode: ExpressibleByArgument {}
extension Split: ExpressibleByArgument {}
extension FileLayout: ExpressibleByArgument {}

/// Which file, read how.
struct DataFileOptions: ParsableArguments {
    @Argument(help: "A preference file: JSON Lines, or a JSON array of records.") var file: String

    @Option(help: "Record format: standard, conversational, implicit-prompt, openai or unpaired (default: detected).")
    var format: RecordFormat?

    @Option(help: "File layout: jsonl or json (an array of records); default: detected from the first character.")
    var layout: FileLayout?

    var url: URL { URL(fileURLWithPath: file) }

    func loadRecords() throws -> RecordFile {
        do {
            return try RecordLoader.load(contentsOf: url, format: format, layout: layout)
        } catch {
            printToStandardError("error: \(error)")
            throw ExitCode(1)
        }
    }
}

/// How records become token ids; defaults are TRL's.
struct TokenizationOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "A tokenizer directory (with tokenizer.json), 'bytes' to count UTF-8 bytes, or 'file' to train a "
                + "byte-level BPE on the data file itself.", valueName: "dir|bytes|file"))
    var tokenizer = "file"

    @Option(
        help: ArgumentHelp(
            "Chat template for chat-message records: chatml or human-assistant (default: the tokenizer "
                + "directory's own, else chatml)."))
    var chatTemplate: String?

    @Option(help: "Longest prompt + completion in tokens; 0 for no limit.") var maxLength = 1024
    @Option(help: "Longest prompt in tokens; 0 for no limit.") var maxPromptLength = 512
    @Option(help: "Which end of a long prompt survives: keep_end or keep_start.") var truncationMode = TruncationMode.keepEnd

    var truncation: TruncationSettings {
        TruncationSettings(
            maxLength: maxLength > 0 ? maxLength : nil, maxPromptLength: maxPromptLength > 0 ? maxPromptLength : nil,
            mode: truncationMode)
    }

    /// The `--chat-template` given, else the one the tokenizer directory's config names, else ChatML.
    func template(for encoder: DataEncoder) throws -> ChatTemplate {
        switch chatTemplate {
        case "chatml": return .chatML(defaultSystem: nil)
        case "human-assistant": return .humanAssistant
        case let other?: throw ValidationError("unknown chat template '\(other)': use chatml or human-assistant")
        case nil:
            guard let source = encoder.chatTemplateSource else { return .chatML(defaultSystem: nil) }
            do {
                return try ChatTemplate.detect(from: source)
            } catch {
                throw ValidationError("\(error); pass --chat-template chatml or human-assistant")
            }
        }
    }
}

func printToStandardError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
