/// One token per UTF-8 byte: the fallback when no trained tokenizer is at hand.
///
/// Counts are exact and reproducible but several times larger than a BPE's, so anything that reports them must
/// say they are bytes.
public struct ByteEncoder: TokenEncoder, Sendable {
    public init() {}

    public func encode(_ text: String) -> [Int32] { text.utf8.map { Int32($0) } }

    /// One past the byte values.
    public var eosTokenId: Int32? { 256 }
}
