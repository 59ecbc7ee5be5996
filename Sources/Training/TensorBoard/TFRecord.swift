/// TFRecord framing, the container of TensorBoard's event files: each record is its length (u64, little-endian),
/// the masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C of the data.
public enum TFRecord {
    public static func frame(_ data: [UInt8]) -> [UInt8] {
        let length = littleEndian(UInt64(data.count))
        return length + littleEndian(CRC32C.masked(length)) + data + littleEndian(CRC32C.masked(data))
    }

    /// The records of a file's bytes, in order, and how many bytes at the end were not a whole record yet (a
    /// writer's record in progress: reading again later picks it up).
    /// - Throws: `TFRecordError` for a record whose length or data fails its checksum.
    public static func records(_ bytes: [UInt8]) throws -> (records: [[UInt8]], pending: Int) {
        var records: [[UInt8]] = []
        var offset = 0
        while bytes.count - offset >= 12 {
            let header = Array(bytes[offset..<offset + 8])
            guard CRC32C.masked(header) == Protobuf.uint32(bytes, at: offset + 8) else { throw TFRecordError(offset: offset, what: "length") }
            let declared = Protobuf.uint64(header, at: 0)
            guard declared <= UInt64(bytes.count - offset - 16) else { break }
            let length = Int(declared)
            let data = Array(bytes[offset + 12..<offset + 12 + length])
            guard CRC32C.masked(data) == Protobuf.uint32(bytes, at: offset + 12 + length) else { throw TFRecordError(offset: offset, what: "data") }
            records.append(data)
            offset += 16 + length
        }
        return (records, bytes.count - offset)
    }

    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<T.bitWidth / 8).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }
}

/// A TFRecord whose checksum does not match: the file is corrupt from `offset` on.
public struct TFRecordError: Error, CustomStringConvertible {
    public let offset: Int
    public let what: String
    public var description: String { "TFRecord at byte \(offset): the \(what) checksum does not match" }
}
