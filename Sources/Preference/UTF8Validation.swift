/// Locates the first byte that breaks UTF-8, so a message can point at the column a user must look at.
///
/// The fast path (`String(validating:)`) only says yes or no; this runs on the error path alone. It follows
/// the Unicode standard's table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF.
enum UTF8Validation {
    /// The offset of the first ill-formed sequence in `bytes`, or nil when every byte is well-formed.
    static func firstInvalidOffset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        let n = bytes.count
        guard let base = bytes.baseAddress else { return nil }
        let raw = UnsafeRawPointer(base)
        while i < n {
            if i + 8 <= n && raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                continue
            }
            let lead = bytes[i]
            if lead < 0x80 {
                i += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return i
            }
            guard i + length <= n else { return i }
            let second = bytes[i + 1]
            guard second >= low && second <= high else { return i }
            for k in 2..<max(2, length) where bytes[i + k] & 0xC0 != 0x80 { return i }
            i += length
        }
        return nil
    }

    /// Whether the bytes at `offset` start a well-formed UTF-8 sequence (used to tell a stray non-ASCII
    /// character outside a string from bytes that are not UTF-8 at all).
    static func isWellFormedSequence(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> Bool {
        let tail = UnsafeBufferPointer(rebasing: bytes[offset...])
        let lead = tail[0]
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        let sequence = UnsafeBufferPointer(rebasing: tail.prefix(length))
        return sequence.count == length && firstInvalidOffset(sequence) == nil
    }
}
