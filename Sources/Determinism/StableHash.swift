/// FNV-1a, 64 bits: a hash that is the same on every machine and every run (Swift's `Hasher` is seeded per
/// process), for cache keys on disk.
public struct StableHash: Sendable {
    public private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    public init() {}

    public mutating func combine(bytes: UnsafeRawBufferPointer) {
        value = Self.fnv1a(bytes, from: value)
    }

    /// FNV-1a of `bytes` continuing from `hash`; inlinable so a hash table's probe loop stays a plain byte loop.
    @inlinable
    public static func fnv1a(_ bytes: some Sequence<UInt8>, from hash: UInt64 = 0xCBF2_9CE4_8422_2325) -> UInt64 {
        var hash = hash
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    /// The hash of a text's UTF-8 bytes alone (no length mixed in, unlike `combine(_:)`).
    public static func of(_ text: String) -> UInt64 { fnv1a(text.utf8) }

    public mutating func combine(_ text: String) {
        var copy = text
        copy.withUTF8 { combine(bytes: UnsafeRawBufferPointer($0)) }
        combine(UInt64(text.utf8.count))
    }

    public mutating func combine<T: FixedWidthInteger>(_ integer: T) {
        withUnsafeBytes(of: integer.littleEndian) { combine(bytes: $0) }
    }

    public mutating func combine(_ tokens: [Int32]) {
        combine(tokens.count)
        tokens.withUnsafeBytes { combine(bytes: $0) }
    }

    public var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
