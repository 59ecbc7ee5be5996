import Foundation
import Model

/// Writes small GGUF files for tests, byte by byte, so that versions, alignments and corruptions can be chosen
/// freely. (The committed fixtures in Tests/Fixtures/gguf/ come from gguf-py; this writer only exists to vary them.)
struct GGUFTestFile {
    struct Tensor {
        var name: String
        var dims: [Int]
        var type: GGMLType
        var bytes: [UInt8]
    }

    var version: UInt32 = 3
    /// Written as `general.alignment` (UINT32) when set; 32 is used either way when laying out data.
    var alignment: Int?
    var metadata: [(String, GGUFValue)] = []
    var tensors: [Tensor] = []

    var bytes: [UInt8] {
        var out: [UInt8] = Array("GGUF".utf8)
        Self.append(version, to: &out)
        Self.append(UInt64(tensors.count), to: &out)
        var entries = metadata
        if let alignment { entries.insert(("general.alignment", .uint32(UInt32(alignment))), at: 0) }
        Self.append(UInt64(entries.count), to: &out)
        for (key, value) in entries {
            Self.appendString(key, to: &out)
            Self.append(value.type.rawValue, to: &out)
            Self.appendValue(value, to: &out)
        }
        let align = alignment ?? 32
        var offset = 0
        var offsets: [Int] = []
        for tensor in tensors {
            offsets.append(offset)
            offset += (tensor.bytes.count + align - 1) / align * align
        }
        for (tensor, offset) in zip(tensors, offsets) {
            Self.appendString(tensor.name, to: &out)
            Self.append(UInt32(tensor.dims.count), to: &out)
            for dim in tensor.dims { Self.append(UInt64(dim), to: &out) }
            Self.append(tensor.type.rawValue, to: &out)
            Self.append(UInt64(offset), to: &out)
        }
        while out.count % align != 0 { out.append(0) }
        let dataStart = out.count
        for (tensor, offset) in zip(tensors, offsets) {
            while out.count < dataStart + offset { out.append(0) }
            out += tensor.bytes
        }
        return out
    }

    static func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out += $0 }
    }

    static func appendString(_ string: String, to out: inout [UInt8]) {
        append(UInt64(string.utf8.count), to: &out)
        out += string.utf8
    }

    static func appendValue(_ value: GGUFValue, to out: inout [UInt8]) {
        switch value {
        case .uint8(let v): append(v, to: &out)
        case .int8(let v): append(v, to: &out)
        case .uint16(let v): append(v, to: &out)
        case .int16(let v): append(v, to: &out)
        case .uint32(let v): append(v, to: &out)
        case .int32(let v): append(v, to: &out)
        case .uint64(let v): append(v, to: &out)
        case .int64(let v): append(v, to: &out)
        case .float32(let v): append(v.bitPattern, to: &out)
        case .float64(let v): append(v.bitPattern, to: &out)
        case .bool(let v): out.append(v ? 1 : 0)
        case .string(let v): appendString(v, to: &out)
        case .array(let type, let values):
            append(type.rawValue, to: &out)
            append(UInt64(values.count), to: &out)
            for value in values { appendValue(value, to: &out) }
        }
    }

    /// F32 weights as bytes.
    static func f32(_ values: [Float]) -> [UInt8] {
        var out: [UInt8] = []
        for v in values { append(v.bitPattern, to: &out) }
        return out
    }
}
