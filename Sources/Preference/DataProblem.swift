/// Something wrong with a preference file, located precisely enough to fix it without guessing.
public struct DataProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case unreadableFile = "unreadable file"
        case unknownFormat = "unknown format"
        case noRecords = "no records"
        case invalidJSON = "invalid JSON"
        case invalidUTF8 = "invalid UTF-8"
        case missingField = "missing field"
        case wrongType = "wrong type"
        case emptyCompletion = "empty completion"
        case identicalCompletions = "chosen identical to rejected"
        case templateMismatch = "chat template mismatch"
        case promptTooLong = "prompt longer than max_length"
    }

    public let kind: Kind
    public let file: String
    /// 1-based; nil for problems with the whole file.
    public let line: Int?
    /// 1-based byte column, where the problem is inside the line's bytes (JSON syntax and UTF-8).
    public let column: Int?
    /// The field's path inside the record, such as `input.messages[2].content`.
    public let field: String?
    public let detail: String

    public init(kind: Kind, file: String, line: Int?, column: Int? = nil, field: String? = nil, detail: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.detail = detail
    }

    /// `file:line[:column]: kind: field \`f\`: detail`, the shape compilers use so editors can jump to it.
    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        let fieldPart = field.map { "field `\($0)`: " } ?? ""
        return "\(place): \(kind.rawValue): \(fieldPart)\(detail)"
    }
}

/// A problem inside one record, before the loader adds the file and line.
struct FieldProblem: Error {
    let kind: DataProblem.Kind
    let field: String?
    let detail: String

    func located(at source: SourceLocation) -> DataProblem {
        DataProblem(kind: kind, file: source.file, line: source.line, field: field, detail: detail)
    }
}
