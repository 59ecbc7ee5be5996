import Foundation

/// Strings: the bulk of a preference file's bytes, so this is where the parser's speed is decided.
extension JSONReader {
    mutating func string() throws(JSONSyntaxError) -> String {
        let start = position + 1
        var i = start
        let end = bytes.count
        var nonASCII: UInt8 = 0
        i = Self.skipPlainWords(bytes, from: i, nonASCII: &nonASCII)
        while i < end {
            let byte = bytes[i]
            nonASCII |= byte
            if byte == Self.quote {
                position = i + 1
                return try makeString(
                    from: UnsafeBufferPointer(rebasing: bytes[start..<i]), sourceStart: start,
                    isASCII: nonASCII < 0x80)
            }
            if byte == Self.backslash {
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
            if byte != Self.quote && byte != Self.backslash && byte >= 0x20 {
                i = Self.skipPlainWords(bytes, from: i + 1, nonASCII: &nonASCII)
                continue
            }
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
            if byte == Self.quote {
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
        case Self.quote: simple = Self.quote
        case Self.backslash: simple = Self.backslash
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
            guard next + 1 < bytes.count, bytes[next] == Self.backslash, bytes[next + 1] == UInt8(ascii: "u") else {
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
}
