import Foundation

/// The records of one file, with every problem found on the way.
public struct RecordFile: Sendable {
    /// The path as given, used in every message.
    public let file: String
    public let layout: FileLayout
    /// Nil only when no record could be parsed at all.
    public let format: RecordFormat?
    public let records: [PreferenceRecord]
    /// Problems with individual records, in file order; those records are not in `records`.
    public let problems: [DataProblem]
}

/// Reads preference files: JSON Lines or a JSON array, in any `RecordFormat`.
///
/// It reads the whole file and keeps going past bad records, so one pass can report every problem; whether a
/// problem stops the run is the caller's choice (`OnError`). Only problems with the file as a whole throw.
public enum RecordLoader {
    public static func load(
        contentsOf url: URL, format: RecordFormat? = nil, layout: FileLayout? = nil
    ) throws(DataProblem) -> RecordFile {
        let name = url.path
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            var isDirectory: ObjCBool = false
            let detail = !FileManager.default.fileExists(atPath: name, isDirectory: &isDirectory) ? "no such file"
                : isDirectory.boolValue ? "a directory, not a file"
                : !FileManager.default.isReadableFile(atPath: name) ? "permission denied" : "cannot be read"
            throw DataProblem(kind: .unreadableFile, file: name, line: nil, detail: detail)
        }
        return try data.withUnsafeBytes { bytes in
            Result { () throws(DataProblem) in try load(bytes: bytes, name: name, format: format, layout: layout) }
        }.get()
    }

    /// Reads records from bytes in memory; `name` stands for the file in messages.
    public static func load(
        bytes: UnsafeRawBufferPointer, name: String, format: RecordFormat? = nil, layout: FileLayout? = nil
    ) throws(DataProblem) -> RecordFile {
        let layout = layout ?? FileLayout.detect(bytes)
        var collector = Collector(file: name, format: format)
        switch layout {
        case .jsonLines:
            try JSONLines.forEachLine(in: bytes) { (line, lineBytes) throws(DataProblem) in
                switch Result(catching: { () throws(JSONSyntaxError) in try JSONParser.parse(lineBytes) }) {
                case .success(let json): try collector.add(json, line: line)
                case .failure(let error): collector.add(error, line: line, column: error.offset + 1)
                }
            }
        case .jsonArray:
            let elements: [(offset: Int, value: JSON)]
            do {
                elements = try JSONParser.parseArrayElements(bytes)
            } catch {
                let position = TextPosition(offset: error.offset, in: bytes)
                collector.add(error, line: position.line, column: position.column)
                elements = []
            }
            for element in elements {
                try collector.add(element.value, line: TextPosition(offset: element.offset, in: bytes).line)
            }
        }
        if collector.format == nil && collector.problems.isEmpty {
            throw DataProblem(kind: .noRecords, file: name, line: nil, detail: "the file holds no records")
        }
        return RecordFile(
            file: name, layout: layout, format: collector.format, records: collector.records,
            problems: collector.problems)
    }
}

/// Accumulates records and problems, fixing the format at the first object that parses (anything else is a
/// wrong-type problem whatever the format).
private struct Collector {
    let file: String
    var format: RecordFormat?
    var records: [PreferenceRecord] = []
    var problems: [DataProblem] = []

    init(file: String, format: RecordFormat?) {
        self.file = file
        self.format = format
    }

    mutating func add(_ json: JSON, line: Int) throws(DataProblem) {
        let source = SourceLocation(file: file, line: line)
        if format == nil && json.objectValue != nil {
            guard let detected = RecordFormat.detect(from: json) else {
                throw DataProblem(
                    kind: .unknownFormat, file: file, line: line, detail: RecordFormat.detectionFailure(for: json))
            }
            format = detected
        }
        do {
            records.append(try RecordDecoding.decode(json, as: format ?? .standard, at: source))
        } catch {
            problems.append(error.located(at: source))
        }
    }

    mutating func add(_ error: JSONSyntaxError, line: Int, column: Int) {
        problems.append(
            DataProblem(
                kind: error.kind == .invalidUTF8 ? .invalidUTF8 : .invalidJSON, file: file, line: line,
                column: column, detail: error.message))
    }
}
