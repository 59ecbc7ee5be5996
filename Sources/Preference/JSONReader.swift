import Foundation

/// The parser's cursor over the bytes; one per document.
struct JSONReader {
    static var quote: UInt8 { UInt8(ascii: "\"") }
    static var backslash: UInt8 { UInt8(ascii: "\\") }

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
        case Self.quote: return .string(try string())
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
            guard position < bytes.count, bytes[position] == Self.quote else {
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
