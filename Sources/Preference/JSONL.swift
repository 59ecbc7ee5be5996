import Foundation

/// JSON Lines: one JSON value per line.
///
/// Lines are found with `memchr`, which scans tens of GB/s, so splitting costs nothing next to parsing. Blank
/// lines (a trailing newline, a stray empty line) are skipped but still counted, so line numbers match an editor's.
public enum JSONLines {
    /// Calls `body` with the 1-based number and the bytes (without `\n` or `\r\n`) of each non-blank line.
    public static func forEachLine<Failure: Error>(
        in buffer: UnsafeRawBufferPointer,
        _ body: (_ line: Int, _ bytes: UnsafeRawBufferPointer) throws(Failure) -> Void
    ) throws(Failure) {
        guard let base = buffer.baseAddress else { return }
        var start = ByteOrderMark.length(in: buffer)
        var line = 1
        while start < buffer.count {
            let remaining = buffer.count - start
            let newline = memchr(base + start, 0x0A, remaining).map { $0 - UnsafeMutableRawPointer(mutating: base) }
            var end = newline ?? buffer.count
            if end > start && buffer[end - 1] == 0x0D { end -= 1 }
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[start..<end])
            if !isBlank(bytes) { try body(line, bytes) }
            guard let newline else { return }
            start = newline + 1
            line += 1
        }
    }

    private static func isBlank(_ bytes: UnsafeRawBufferPointer) -> Bool {
        for byte in bytes where byte != 0x20 && byte != 0x09 && byte != 0x0D { return false }
        return true
    }
}

/// The UTF-8 byte order mark some editors put at the start of a file; it is not JSON, so readers skip it.
enum ByteOrderMark {
    static func length(in buffer: UnsafeRawBufferPointer) -> Int {
        buffer.count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF ? 3 : 0
    }
}

/// Line and column (both 1-based, column in bytes) of a byte offset, for messages about JSON-array files.
public struct TextPosition: Sendable, Equatable {
    public let line: Int
    public let column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public init(offset: Int, in buffer: UnsafeRawBufferPointer) {
        var line = 1
        var lineStart = 0
        if let base = buffer.baseAddress {
            var cursor = 0
            let limit = min(offset, buffer.count)
            while cursor < limit, let hit = memchr(base + cursor, 0x0A, limit - cursor) {
                cursor = hit - UnsafeMutableRawPointer(mutating: base) + 1
                line += 1
                lineStart = cursor
            }
        }
        self.line = line
        self.column = offset - lineStart + 1
    }
}
