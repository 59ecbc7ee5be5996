/// The type tag of a GGUF metadata value (`gguf_type` in llama.cpp's `gguf.h`, `GGUFValueType` in gguf-py).
public enum GGUFValueType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, bool = 7, string = 8
    case array = 9, uint64 = 10, int64 = 11, float64 = 12

    /// Bytes one value takes in the file; strings and arrays have a variable size (nil).
    var fixedSize: Int? {
        switch self {
        case .uint8, .int8, .bool: 1
        case .uint16, .int16: 2
        case .uint32, .int32, .float32: 4
        case .uint64, .int64, .float64: 8
        case .string, .array: nil
        }
    }

    /// The fewest bytes one value can take: what bounds an array's element count before anything is allocated.
    var minimumSize: Int { fixedSize ?? (self == .string ? 8 : 12) }

    public var description: String {
        switch self {
        case .uint8: "UINT8"
        case .int8: "INT8"
        case .uint16: "UINT16"
        case .int16: "INT16"
        case .uint32: "UINT32"
        case .int32: "INT32"
        case .float32: "FLOAT32"
        case .bool: "BOOL"
        case .string: "STRING"
        case .array: "ARRAY"
        case .uint64: "UINT64"
        case .int64: "INT64"
        case .float64: "FLOAT64"
        }
    }
}

/// One GGUF metadata value, of any of the format's thirteen types. Arrays carry their element type (an empty
/// array still has one) and may nest.
///
/// The accessors convert where no information is lost: `int` reads every integer type whose value fits an `Int`,
/// `double` every number, `ints` and `strings` whole arrays; anything else is nil.
public indirect enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
    case array(GGUFValueType, [GGUFValue])

    public var type: GGUFValueType {
        switch self {
        case .uint8: .uint8
        case .int8: .int8
        case .uint16: .uint16
        case .int16: .int16
        case .uint32: .uint32
        case .int32: .int32
        case .uint64: .uint64
        case .int64: .int64
        case .float32: .float32
        case .float64: .float64
        case .bool: .bool
        case .string: .string
        case .array: .array
        }
    }

    /// An integer value that fits an `Int`.
    public var int: Int? {
        switch self {
        case .uint8(let v): Int(v)
        case .int8(let v): Int(v)
        case .uint16(let v): Int(v)
        case .int16(let v): Int(v)
        case .uint32(let v): Int(v)
        case .int32(let v): Int(v)
        case .uint64(let v): Int(exactly: v)
        case .int64(let v): Int(v)
        default: nil
        }
    }

    /// A number of any type, as a Double.
    public var double: Double? {
        switch self {
        case .float32(let v): Double(v)
        case .float64(let v): v
        default: int.map(Double.init)
        }
    }

    public var bool: Bool? {
        if case .bool(let v) = self { return v }
        return nil
    }

    public var string: String? {
        if case .string(let v) = self { return v }
        return nil
    }

    public var array: [GGUFValue]? {
        if case .array(_, let values) = self { return values }
        return nil
    }

    /// An array of strings.
    public var strings: [String]? {
        guard case .array(.string, let values) = self else { return nil }
        return values.map { $0.string ?? "" }
    }

    /// An array of integers that all fit an `Int`.
    public var ints: [Int]? {
        guard case .array(_, let values) = self else { return nil }
        var out: [Int] = []
        out.reserveCapacity(values.count)
        for value in values {
            guard let int = value.int else { return nil }
            out.append(int)
        }
        return out
    }
}

extension GGUFValue: CustomStringConvertible {
    /// Scalars as themselves, strings quoted and cut at 60 characters, arrays as their type and length.
    public var description: String {
        switch self {
        case .string(let s): s.count > 60 ? "\"\(s.prefix(60))…\" (\(s.count) characters)" : "\"\(s)\""
        case .array(let type, let values): "[\(type); \(values.count)]"
        case .float32(let v): "\(v)"
        case .float64(let v): "\(v)"
        case .bool(let v): "\(v)"
        case .uint64(let v): "\(v)"
        default: int.map(String.init) ?? "?"
        }
    }
}
