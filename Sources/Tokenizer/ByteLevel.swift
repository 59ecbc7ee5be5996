/// GPT-2's reversible map between bytes and printable characters (`bytes_to_unicode` in openai/gpt-2
/// `src/encoder.py`), in which byte-level BPE vocabularies are written.
///
/// The 188 printable Latin-1 bytes (`!`…`~`, `¡`…`¬`, `®`…`ÿ`) stand for themselves; the other 68 (controls, space,
/// DEL, NBSP, soft hyphen…) take U+0100, U+0101, … in byte order, so space is `Ġ` (U+0120) and newline `Ċ`. Every
/// byte is one character, so a piece of n bytes starts as n symbols, and a token's bytes are recovered exactly.
enum ByteLevel {
    /// `character[b]`: the code point that byte `b` is written as.
    static let character: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 0x100
        for byte in 0..<256 {
            let printable = (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
            if printable {
                table[byte] = UInt32(byte)
            } else {
                table[byte] = next
                next += 1
            }
        }
        return table
    }()

    /// `character` as scalars, for building token strings.
    private static let scalar: [Unicode.Scalar] = character.map { Unicode.Scalar($0) ?? "\u{FFFD}" }

    /// The inverse of `character`, indexed by code point: the byte, or -1 for a code point no byte maps to.
    static let byte: [Int16] = {
        var table = [Int16](repeating: -1, count: 0x144)
        for (byte, scalar) in character.enumerated() { table[Int(scalar)] = Int16(byte) }
        return table
    }()

    /// The vocabulary spelling of raw bytes, e.g. `[0x20, 0x61]` → `"Ġa"`.
    static func token<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        var scalars = String.UnicodeScalarView()
        for b in bytes { scalars.append(scalar[Int(b)]) }
        return String(scalars)
    }

    /// The raw bytes a vocabulary token spells, or nil when one of its characters is not a byte character (as in
    /// added tokens such as `<|im_start|>`… which happen to be printable ASCII, so they do decode; a token holding
    /// e.g. a literal space or `é` does not).
    static func bytes(_ token: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(token.utf8.count)
        for scalar in token.unicodeScalars {
            let v = Int(scalar.value)
            guard v < byte.count, byte[v] >= 0 else { return nil }
            out.append(UInt8(byte[v]))
        }
        return out
    }
}
