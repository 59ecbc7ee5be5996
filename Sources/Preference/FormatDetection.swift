/// The record layouts a preference file can use. Raw values are the names `--format` accepts.
public enum RecordFormat: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// TRL standard: `prompt`, `chosen`, `rejected` strings, optional `system`.
    case standard
    /// TRL conversational: `prompt`, `chosen`, `rejected` as lists of `{role, content}` messages.
    case conversational
    /// Only `chosen` and `rejected` (strings or message lists); the prompt is what they share, as in Anthropic HH.
    case implicitPrompt = "implicit-prompt"
    /// OpenAI preference fine-tuning: `input.messages`, `preferred_output`, `non_preferred_output`.
    case openAI = "openai"
    /// KTO's unpaired data: `prompt`, `completion`, `label` (bool).
    case unpaired

    public var description: String { rawValue }

    /// The format a record's keys announce, decided once per file from its first record so that a later
    /// malformed record is reported as a missing field rather than silently read another way.
    public static func detect(from record: JSON) -> RecordFormat? {
        guard let object = record.objectValue else { return nil }
        let has = { (key: String) in object[key] != nil }
        if has("preferred_output") || has("non_preferred_output") || record["input"]?["messages"] != nil {
            return .openAI
        }
        if has("completion") && has("label") { return .unpaired }
        guard has("chosen") && has("rejected") else { return nil }
        guard let prompt = object["prompt"] else { return .implicitPrompt }
        return prompt.arrayValue != nil ? .conversational : .standard
    }

    /// Why detection failed, naming what the record holds and what each format would need.
    static func detectionFailure(for record: JSON) -> String {
        let found = record.objectValue.map { $0.keys.sorted().map { "`\($0)`" }.joined(separator: ", ") }
        let what = found.map { $0.isEmpty ? "an empty object" : "keys \($0)" } ?? record.kindName
        return "cannot tell the record format from \(what); expected prompt/chosen/rejected (standard or "
            + "conversational), chosen/rejected (implicit prompt), input/preferred_output/non_preferred_output "
            + "(OpenAI) or prompt/completion/label (unpaired); pass --format to choose one"
    }
}

/// How records are laid out in the file: one per line, or one JSON array.
public enum FileLayout: String, Sendable, Hashable, CaseIterable {
    case jsonLines = "jsonl"
    case jsonArray = "json"

    /// A file whose first character is `[` is an array; a JSON Lines file starts with `{`.
    public static func detect(_ bytes: UnsafeRawBufferPointer) -> FileLayout {
        for byte in bytes.dropFirst(ByteOrderMark.length(in: bytes)) {
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            case UInt8(ascii: "["): return .jsonArray
            default: return .jsonLines
            }
        }
        return .jsonLines
    }
}
