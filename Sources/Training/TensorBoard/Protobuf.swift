/// The protobuf wire format, as much as TensorBoard's event files need: fields of varints, fixed 32/64-bit values
/// and length-delimited bytes, read and written without a schema.
enum Protobuf {
    enum Value: Equatable {
        case varint(UInt64), fixed64(UInt64), bytes([UInt8]), fixed32(UInt32)
    }

    struct Malformed: Error, CustomStringConvertible {
        let offset: Int
        var description: String { "malformed protobuf at byte \(offset)" }
    }

    /// The fields of a message, in order.
    static func fields(_ bytes: [UInt8]) throws -> [(number: Int, value: Value)] {
        var fields: [(number: Int, value: Value)] = []
        var offset = 0
        while offset < bytes.count {
            let start = offset
            let key = try varint(bytes, &offset)
            let number = Int(key >> 3)
            switch key & 7 {
            case 0: fields.append((number, .varint(try varint(bytes, &offset))))
            case 1:
                guard offset + 8 <= bytes.count else { throw Malformed(offset: start) }
                fields.append((number, .fixed64(uint64(bytes, at: offset))))
                offset += 8
            case 2:
                let declared = try varint(bytes, &offset)
                guard declared <= UInt64(bytes.count - offset) else { throw Malformed(offset: start) }
                let length = Int(declared)
                fields.append((number, .bytes(Array(bytes[offset..<offset + length]))))
                offset += length
            case 5:
                guard offset + 4 <= bytes.count else { throw Malformed(offset: start) }
                fields.append((number, .fixed32(uint32(bytes, at: offset))))
                offset += 4
            default: throw Malformed(offset: start)
            }
        }
        return fields
    }

    private static func varint(_ bytes: [UInt8], _ offset: inout Int) throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count, shift < 64 {
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        throw Malformed(offset: offset)
    }

    static func uint32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << ($1 * 8) }
    }

    static func uint64(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | UInt64(bytes[offset + $1]) << ($1 * 8) }
    }

    /// A message being written; fields holding their type's default value are left out, as protobuf does (except
    /// in a `oneof`).
    struct Writer {
        private(set) var bytes: [UInt8] = []

        mutating func varint(_ number: Int, _ value: UInt64) {
            guard value != 0 else { return }
            key(number, 0)
            append(value)
        }

        mutating func double(_ number: Int, _ value: Double) {
            guard value != 0 else { return }
            key(number, 1)
            bytes += TFRecord.littleEndian(value.bitPattern)
        }

        /// A float of a `oneof` (`Summary.Value.simple_value`), which protobuf writes even when it is 0.
        mutating func oneofFloat(_ number: Int, _ value: Float) {
            key(number, 5)
            bytes += TFRecord.littleEndian(value.bitPattern)
        }

        mutating func bytes(_ number: Int, _ value: [UInt8]) {
            key(number, 2)
            append(UInt64(value.count))
            bytes += value
        }

        private mutating func key(_ number: Int, _ wireType: UInt64) { append(UInt64(number) << 3 | wireType) }

        private mutating func append(_ value: UInt64) {
            var value = value
            while value >= 0x80 {
                bytes.append(UInt8(value & 0x7F) | 0x80)
                value >>= 7
            }
            bytes.append(UInt8(value))
        }
    }
}
