import Foundation

/// Why bytes are not a JSON document, and at which byte.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case syntax
        case invalidUTF8
    }

    public let kind: Kind
    /// Offset from the first byte of the parsed buffer.
    public let offset: Int
    public let message: String

    public var description: String { message }
}

/// A strict JSON (RFC 8259) parser over UTF-8 bytes.
///
/// Foundation's `JSONSerialization` and `JSONDecoder` run at tens of MB/s; preference files reach gigabytes, so
/// this parser works on raw bytes and builds strings straight from them, validating UTF-8 once per string. It is
/// strict on purpose: comments, trailing commas, NaN, leading zeros, duplicate keys, unpaired surrogates and
/// invalid UTF-8 are errors, because a lenient reader turns a corrupt file into silently wrong training data.
/// Nesting is bounded by `maximumDepth` so that no input can exhaust the stack.
///
/// - Complexity: O(n) in the input's length.
public enum JSONParser {
    public static let maximumDepth = 256

    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) -> JSON {
        var reader = JSONReader(bytes.bindMemory(to: UInt8.self))
        let value = try reader.value(depth: 0)
        try reader.expectEnd()
        return value
    }

    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSON {
        var text = text
        return try text.withUTF8 { utf8 in
            Result { () throws(JSONSyntaxError) in try parse(UnsafeRawBufferPointer(utf8)) }
        }.get()
    }

    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSON {
        try bytes.withUnsafeBytes { raw in Result { () throws(JSONSyntaxError) in try parse(raw) } }.get()
    }

    /// The elements of a top-level array with the offset where each begins, so a loader can name the line of
    /// every record in a JSON-array file.
    public static func parseArrayElements(
        _ bytes: UnsafeRawBufferPointer
    ) throws(JSONSyntaxError) -> [(offset: Int, value: JSON)] {
        var reader = JSONReader(bytes.bindMemory(to: UInt8.self))
        let elements = try reader.topLevelArray()
        try reader.expectEnd()
        return elements
    }
}
