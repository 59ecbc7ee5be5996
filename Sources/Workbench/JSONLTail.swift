import Foundation

/// Reads the lines a JSON Lines file gained since the last read, so following a long run costs the new lines
/// only. Writers append to the file, and a resumed run replaces it atomically with the lines up to its
/// checkpoint (shorter, or as long with other bytes after it), so each read checks that the bytes just before the old end are unchanged;
/// when they are not, it starts over and says so.
public struct JSONLTail: Sendable {
    public private(set) var offset: UInt64 = 0
    private var anchor: [UInt8] = []
    private var modified: Double = -1
    private var size: UInt64 = 0
    static let anchorLength = 64

    public init() {}

    /// New complete lines (a partial last line waits for its newline), and whether earlier lines were replaced
    /// (the caller then drops what it read before and takes `lines` as the whole file).
    public mutating func read(_ url: URL) -> (lines: [Substring], reset: Bool) {
        var info = stat()
        guard stat(url.path, &info) == 0 else {
            let reset = offset > 0
            self = JSONLTail()
            return ([], reset)
        }
        let newSize = UInt64(info.st_size)
        let newModified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        if newSize == size, newModified == modified { return ([], false) }
        guard let handle = FileHandle(forReadingAtPath: url.path) else { return ([], false) }
        defer { try? handle.close() }
        var reset = false
        var start = offset
        if newSize < offset {
            reset = true
        } else if offset > 0 {
            let anchorStart = offset - UInt64(anchor.count)
            try? handle.seek(toOffset: anchorStart)
            let bytes = (try? handle.read(upToCount: anchor.count)) ?? Data()
            if [UInt8](bytes) != anchor { reset = true }
        }
        if reset { start = 0 }
        try? handle.seek(toOffset: start)
        let data = (try? handle.readToEnd()) ?? Data()
        guard let lastNewline = data.lastIndex(of: UInt8(ascii: "\n")) else {
            if reset { offset = 0; anchor = [] }
            size = newSize
            modified = newModified
            return ([], reset)
        }
        let complete = data[data.startIndex...lastNewline]
        offset = start + UInt64(complete.count)
        anchor = [UInt8](complete.suffix(Self.anchorLength))
        size = newSize
        modified = newModified
        let text = String(decoding: complete, as: UTF8.self)
        return (text.split(separator: "\n"), reset)
    }

    /// Parsed objects of `read`; lines that are not JSON objects are skipped.
    public mutating func readObjects(_ url: URL) -> (objects: [[String: Any]], reset: Bool) {
        let (lines, reset) = read(url)
        let objects = lines.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
        return (objects, reset)
    }
}

extension Dictionary where Key == String, Value == Any {
    /// The numeric fields of a JSON object.
    var numbers: [String: Double] {
        var result: [String: Double] = [:]
        for (key, value) in self {
            if let number = value as? NSNumber { result[key] = number.doubleValue }
        }
        return result
    }
}
