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
        var reader = Reader(bytes.bindMemory(to: UInt8.self))
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
        var reader = Reader(bytes.bindMemory(to: UInt8.self))
        let elements = try reader.topLevelArray()
        try reader.expectEnd()
        return elements
    }
}

private let quote = UInt8(ascii: "\"")
private let backslash = UInt8(ascii: "\\")

private struct Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    /// Reused buffer for strings with escapes, so only the final `String` allocates.
    var scratch: [UInt8] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    // MARK: Values

    mutating func value(depth: Int) throws(JSONSyntaxError) -> JSON {
        skipWhitespace()
        guard position < bytes.count else { throw error("unexpected end of input, expected a value") }
        switch bytes[position] {
        case quote: return .string(try string())
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw unexpected(expecting: "a value")
        }
    }

    mutating func expectEnd() throws(JSONSyntaxError) {
        skipWhitespace()
        if position < bytes.count { throw unexpected(expecting: "the end of the input") }
    }

    mutating func object(depth: Int) throws(JSONSyntaxError) -> JSON {
        guard depth < JSONParser.maximumDepth else { throw error("nested deeper than \(JSONParser.maximumDepth)") }
        position += 1
        var members: [(key: String, value: JSON)] = []
        members.reserveCapacity(4)
        /// Duplicate keys are found by a linear search in small objects and through this set in large ones.
        var seenKeys: Set<String>?
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return .object(JSONObject(members: members))
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == quote else {
                throw unexpected(expecting: "a string key")
            }
            let keyOffset = position
            let key = try string()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                throw unexpected(expecting: "':'")
            }
            position += 1
            let member = try value(depth: depth + 1)
            let isDuplicate: Bool
            if members.count < 16 {
                isDuplicate = members.contains { $0.key == key }
            } else {
                if seenKeys == nil { seenKeys = Set(members.map(\.key)) }
                isDuplicate = !seenKeys!.insert(key).inserted
            }
            if isDuplicate { throw error("duplicate key \"\(key)\"", at: keyOffset) }
            members.append((key, member))
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of input inside an object") }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return .object(JSONObject(members: members))
            default: throw unexpected(expecting: "',' or '}'")
            }
        }
    }

    mutating func array(depth: Int) throws(JSONSyntaxError) -> JSON {
        var elements: [JSON] = []
        try forEachElement(depth: depth) { (_, element) in elements.append(element) }
        return .array(elements)
    }

    mutating func topLevelArray() throws(JSONSyntaxError) -> [(offset: Int, value: JSON)] {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: "[") else {
            throw unexpected(expecting: "'[' opening an array of records")
        }
        var elements: [(offset: Int, value: JSON)] = []
        try forEachElement(depth: 0) { (offset, element) in elements.append((offset, element)) }
        return elements
    }

    private mutating func forEachElement(
        depth: Int, _ body: (Int, JSON) -> Void
    ) throws(JSONSyntaxError) {
        guard depth < JSONParser.maximumDepth else { throw error("nested deeper than \(JSONParser.maximumDepth)") }
        position += 1
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return
        }
        while true {
            skipWhitespace()
            let offset = position
            body(offset, try value(depth: depth + 1))
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of input inside an array") }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return
            default: throw unexpected(expecting: "',' or ']'")
            }
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count,
              memcmp(bytes.baseAddress! + position, word.utf8Start, count) == 0
        else { throw error("invalid literal, expected '\(word)'") }
        position += count
    }

    // MARK: Strings

    mutating func string() throws(JSONSyntaxError) -> String {
        let start = position + 1
        var i = start
        let end = bytes.count
        var nonASCII: UInt8 = 0
        i = Self.skipPlainWords(bytes, from: i, nonASCII: &nonASCII)
        while i < end {
            let byte = bytes[i]
            nonASCII |= byte
            if byte == quote {
                position = i + 1
                return try makeString(
                    from: UnsafeBufferPointer(rebasing: bytes[start..<i]), sourceStart: start,
                    isASCII: nonASCII < 0x80)
            }
            if byte == backslash {
                return try escapedString(start: start, firstEscape: i)
            }
            if byte < 0x20 { throw controlCharacter(at: i) }
            i += 1
        }
        throw error("unterminated string", at: start - 1)
    }

    /// Skips eight bytes at a time while none of them ends or escapes the string (SWAR: each test below sets a
    /// byte's top bit when that byte is a quote, a backslash or a control character; `hasZero` is exact about
    /// whether any byte matched). Collects the bytes' top bits into `nonASCII`.
    private static func skipPlainWords(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, nonASCII: inout UInt8
    ) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasZero(_ v: UInt64) -> UInt64 { (v &- ones) & ~v & highs }
        let raw = UnsafeRawPointer(bytes.baseAddress!)
        var i = start
        var high: UInt64 = 0
        while i + 8 <= bytes.count {
            let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let stops = hasZero(word ^ (ones &* 0x22)) | hasZero(word ^ (ones &* 0x5C)) | ((word &- ones &* 0x20) & ~word & highs)
            if stops != 0 { break }
            high |= word & highs
            i += 8
        }
        if high != 0 { nonASCII |= 0x80 }
        return i
    }

    private mutating func escapedString(start: Int, firstEscape: Int) throws(JSONSyntaxError) -> String {
        scratch.removeAll(keepingCapacity: true)
        var runStart = start
        var i = firstEscape
        let end = bytes.count
        var nonASCII: UInt8 = 0
        while i < end {
            let byte = bytes[i]
            if byte != quote && byte != backslash && byte >= 0x20 {
                i = Self.skipPlainWords(bytes, from: i + 1, nonASCII: &nonASCII)
                continue
            }
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
            if byte == quote {
                position = i + 1
                // Escapes decode to well-formed UTF-8, so the raw bytes are valid exactly when the decoded ones are.
                let decoded = scratch.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
                return try checked(decoded, source: UnsafeBufferPointer(rebasing: bytes[start..<i]), sourceStart: start)
            }
            if byte < 0x20 { throw controlCharacter(at: i) }
            i = try escape(at: i)
            runStart = i
        }
        throw error("unterminated string", at: start - 1)
    }

    /// Decodes the escape at `i` into `scratch` and returns the offset after it.
    private mutating func escape(at i: Int) throws(JSONSyntaxError) -> Int {
        guard i + 1 < bytes.count else { throw error("unterminated string", at: i) }
        let simple: UInt8
        switch bytes[i + 1] {
        case quote: simple = quote
        case backslash: simple = backslash
        case UInt8(ascii: "/"): simple = UInt8(ascii: "/")
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"): return try unicodeEscape(at: i)
        default: throw error("invalid escape '\\\(describe(byteAt: i + 1))'", at: i)
        }
        scratch.append(simple)
        return i + 2
    }

    /// `\uXXXX`, joining a UTF-16 surrogate pair written as two escapes into one scalar.
    private mutating func unicodeEscape(at i: Int) throws(JSONSyntaxError) -> Int {
        let unit = try hex4(at: i + 2)
        var scalarValue = UInt32(unit)
        var next = i + 6
        if (0xD800...0xDBFF).contains(unit) {
            guard next + 1 < bytes.count, bytes[next] == backslash, bytes[next + 1] == UInt8(ascii: "u") else {
                throw error("unpaired surrogate \\u\(String(unit, radix: 16, uppercase: true))", at: i)
            }
            let low = try hex4(at: next + 2)
            guard (0xDC00...0xDFFF).contains(low) else {
                throw error("unpaired surrogate \\u\(String(unit, radix: 16, uppercase: true))", at: i)
            }
            scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            next += 6
        } else if (0xDC00...0xDFFF).contains(unit) {
            throw error("unpaired surrogate \\u\(String(unit, radix: 16, uppercase: true))", at: i)
        }
        // Every value left is a valid scalar: surrogates were handled above.
        for unit in UTF8.encode(Unicode.Scalar(scalarValue)!)! { scratch.append(unit) }
        return next
    }

    private func hex4(at i: Int) throws(JSONSyntaxError) -> UInt16 {
        guard i + 4 <= bytes.count else { throw error("truncated \\u escape", at: i - 2) }
        var value: UInt16 = 0
        for k in i..<(i + 4) {
            let byte = bytes[k]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit in \\u escape", at: k)
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    private func makeString(
        from slice: UnsafeBufferPointer<UInt8>, sourceStart: Int, isASCII: Bool
    ) throws(JSONSyntaxError) -> String {
        let string = String(decoding: slice, as: UTF8.self)
        return isASCII ? string : try checked(string, source: slice, sourceStart: sourceStart)
    }

    /// `String(decoding:)` silently repairs invalid UTF-8 by inserting U+FFFD (EF BF BD), so a decoded string
    /// without an EF byte was valid; only one with an EF byte needs a full check. (The generic
    /// `String(validating:as:)` does both but costs a runtime metadata lookup per call, a third of the parse time.)
    private func checked(
        _ string: String, source: UnsafeBufferPointer<UInt8>, sourceStart: Int
    ) throws(JSONSyntaxError) -> String {
        var string = string
        let mayBeRepaired = string.withUTF8 { utf8 in utf8.baseAddress.map { memchr($0, 0xEF, utf8.count) != nil } ?? false }
        if mayBeRepaired, let bad = UTF8Validation.firstInvalidOffset(source) {
            throw invalidUTF8(at: sourceStart + bad)
        }
        return string
    }

    // MARK: Numbers

    mutating func number() throws(JSONSyntaxError) -> Double {
        let start = position
        var i = position
        let end = bytes.count
        func isDigit(_ k: Int) -> Bool { k < end && bytes[k] >= UInt8(ascii: "0") && bytes[k] <= UInt8(ascii: "9") }
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard isDigit(i) else { throw error("expected a digit", at: i) }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
            if isDigit(i) { throw error("leading zero in a number", at: start) }
        } else {
            while isDigit(i) { i += 1 }
        }
        var isInteger = true
        if i < end && bytes[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            guard isDigit(i) else { throw error("expected a digit after '.'", at: i) }
            while isDigit(i) { i += 1 }
        }
        if i < end && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
            isInteger = false
            i += 1
            if i < end && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) { i += 1 }
            guard isDigit(i) else { throw error("expected a digit in the exponent", at: i) }
            while isDigit(i) { i += 1 }
        }
        position = i
        let digits = UnsafeBufferPointer(rebasing: bytes[start..<i])
        if isInteger && digits.count <= 16 {
            var magnitude = 0
            for byte in digits where byte != UInt8(ascii: "-") { magnitude = magnitude * 10 + Int(byte - 48) }
            return digits[0] == UInt8(ascii: "-") ? -Double(magnitude) : Double(magnitude)
        }
        guard let value = Double(String(decoding: digits, as: UTF8.self)), value.isFinite else {
            throw error("number out of range", at: start)
        }
        return value
    }

    // MARK: Whitespace and errors

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    func error(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        JSONSyntaxError(kind: .syntax, offset: offset ?? position, message: message)
    }

    func invalidUTF8(at offset: Int) -> JSONSyntaxError {
        JSONSyntaxError(
            kind: .invalidUTF8, offset: offset,
            message: "ill-formed sequence starting with byte 0x\(String(bytes[offset], radix: 16, uppercase: true))")
    }

    func controlCharacter(at offset: Int) -> JSONSyntaxError {
        error("unescaped control character \(describe(byteAt: offset)) in a string", at: offset)
    }

    func unexpected(expecting expected: String) -> JSONSyntaxError {
        guard position < bytes.count else { return error("unexpected end of input, expected \(expected)") }
        if bytes[position] >= 0x80 && !UTF8Validation.isWellFormedSequence(bytes, at: position) {
            return invalidUTF8(at: position)
        }
        return error("expected \(expected), found \(describe(byteAt: position))")
    }

    /// A byte as a reader would want to see it: the character when printable, otherwise its hex value.
    func describe(byteAt offset: Int) -> String {
        let byte = bytes[offset]
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        if byte >= 0x80 && UTF8Validation.isWellFormedSequence(bytes, at: offset) {
            let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
            return "'\(String(decoding: UnsafeBufferPointer(rebasing: bytes[offset..<offset + length]), as: UTF8.self))'"
        }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }
}
