import Foundation

/// A GGUF file (llama.cpp's model format, versions 2 and 3): metadata key/values, tensor descriptions, and the
/// tensor data, read from a memory-mapped file.
///
/// Layout (little-endian; llama.cpp's `gguf.cpp`, gguf-py's `GGUFReader`):
/// ```
/// "GGUF"  u32 version  u64 tensor count  u64 metadata count
/// metadata × count:  string key, u32 type, value   (string = u64 length + UTF-8 bytes;
///                                                  array = u32 element type + u64 count + elements)
/// tensor info × count:  string name, u32 n_dims, u64 dims[n_dims] (fastest-varying first), u32 ggml type,
///                       u64 offset into the data section
/// padding to `general.alignment` (a u32 power of two, default 32), then the data section
/// ```
/// A GGUF tensor with dims `[576, 1536]` is the row-major `[1536, 576]` matrix: `shape` is the dims reversed.
///
/// Everything is validated before any tensor is read: the magic and version, each length and count against the
/// bytes that remain (so a corrupt count cannot ask for a huge allocation), duplicate keys and names, value types,
/// the alignment, dimensions (at most 4, no overflow, whole blocks per row), tensor offsets (aligned, inside the
/// file, not overlapping). A corrupt file is a `GGUFError` giving the byte offset and the problem, never a crash or
/// an out-of-bounds read.
///
/// ```swift
/// let file = try GGUFFile(contentsOf: url)
/// let layers = file.metadata["llama.block_count"]?.int
/// let embedding = try file.floats("token_embd.weight")   // dequantized to Float
/// ```
public struct GGUFFile: Sendable {
    /// One tensor's description. `dims` are as stored (fastest-varying first); `shape` is row-major.
    public struct Tensor: Sendable, Equatable {
        public let name: String
        public let dims: [Int]
        public let type: GGMLType
        /// Offset within the data section, and byte count.
        public let offset: Int
        public let byteCount: Int
        public var shape: [Int] { dims.reversed() }
        public var count: Int { dims.reduce(1, *) }
    }

    public let path: String
    public let version: Int
    public let alignment: Int
    /// Metadata by key; `keys` keeps the file's order.
    public let metadata: [String: GGUFValue]
    public let keys: [String]
    /// Tensor descriptions in file order.
    public let tensors: [Tensor]
    /// The data section's offset in the file.
    public let dataOffset: Int
    private let tensorIndex: [String: Int]
    private let bytes: Data

    /// Deepest array nesting accepted (llama.cpp writes none; the format allows it).
    static let maxArrayDepth = 4
    /// ggml tensors have at most 4 dimensions.
    static let maxDims = 4

    public init(contentsOf url: URL) throws {
        try self.init(data: MappedFile.read(url), path: url.path)
    }

    public init(data: Data, path: String = "<memory>") throws {
        var parsed: (version: Int, metadata: [String: GGUFValue], keys: [String], infos: [Tensor], afterInfos: Int)!
        try data.withUnsafeBytes { raw in
            var reader = GGUFByteReader(raw, path: path)
            parsed = try Self.parseHeader(&reader)
        }
        let alignment: Int
        switch parsed.metadata["general.alignment"] {
        case nil: alignment = 32
        case .uint32(let value)? where value > 0 && value & (value - 1) == 0: alignment = Int(value)
        case let value?:
            throw GGUFError.malformed(path: path, offset: 0,
                                      "general.alignment is \(value.type) \(value); it must be a UINT32 power of two")
        }
        let dataOffset = (parsed.afterInfos + alignment - 1) / alignment * alignment
        let dataSize = data.count - dataOffset
        if !parsed.infos.isEmpty && dataSize < 0 {
            throw GGUFError.malformed(path: path, offset: data.count,
                                      "the file ends before its data section (at byte \(dataOffset))")
        }
        var index: [String: Int] = [:]
        for (i, tensor) in parsed.infos.enumerated() {
            guard tensor.offset % alignment == 0 else {
                throw GGUFError.malformed(path: path, offset: dataOffset + tensor.offset,
                                          "tensor '\(tensor.name)' starts at \(tensor.offset), not a multiple of the alignment \(alignment)")
            }
            guard tensor.offset <= dataSize, tensor.byteCount <= dataSize - tensor.offset else {
                throw GGUFError.malformed(path: path, offset: dataOffset + tensor.offset,
                                          "tensor '\(tensor.name)' (\(tensor.byteCount) bytes at \(tensor.offset)) runs past the end of the "
                                              + "\(max(dataSize, 0))-byte data section: the file is truncated")
            }
            index[tensor.name] = i
        }
        let sorted = parsed.infos.sorted { $0.offset < $1.offset }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.offset + a.byteCount > b.offset {
            throw GGUFError.malformed(path: path, offset: dataOffset + b.offset, "tensors '\(a.name)' and '\(b.name)' overlap")
        }
        self.path = path
        version = parsed.version
        self.alignment = alignment
        metadata = parsed.metadata
        keys = parsed.keys
        tensors = parsed.infos
        self.dataOffset = dataOffset
        tensorIndex = index
        bytes = data
    }

    public func tensor(named name: String) -> Tensor? { tensorIndex[name].map { tensors[$0] } }

    /// Dequantizes a tensor into `destination` (`count` floats, row-major).
    /// - Throws: `GGUFError.missingTensor`, or `GGUFError.unsupportedType` naming the tensor and its type.
    public func read(_ name: String, into destination: UnsafeMutablePointer<Float>) throws {
        guard let tensor = tensor(named: name) else { throw GGUFError.missingTensor(name, path: path) }
        guard GGMLType.dequantizable.contains(tensor.type) else { throw GGUFError.unsupportedType(tensor.type, tensor: name) }
        try bytes.withUnsafeBytes { raw in
            try tensor.type.dequantize(raw.baseAddress! + dataOffset + tensor.offset, count: tensor.count, into: destination)
        }
    }

    /// A tensor dequantized into a new array.
    public func floats(_ name: String) throws -> [Float] {
        guard let tensor = tensor(named: name) else { throw GGUFError.missingTensor(name, path: path) }
        var values = [Float](repeating: 0, count: tensor.count)
        if tensor.count > 0 { try values.withUnsafeMutableBufferPointer { try read(name, into: $0.baseAddress!) } }
        return values
    }

    /// A tensor's stored bytes, as they are in the file.
    public func rawBytes(_ name: String) throws -> Data {
        guard let tensor = tensor(named: name) else { throw GGUFError.missingTensor(name, path: path) }
        let start = bytes.startIndex + dataOffset + tensor.offset
        return bytes.subdata(in: start..<start + tensor.byteCount)
    }

    // MARK: parsing

    private static func parseHeader(
        _ reader: inout GGUFByteReader
    ) throws -> (version: Int, metadata: [String: GGUFValue], keys: [String], infos: [Tensor], afterInfos: Int) {
        let magic = try reader.bytes(4)
        guard magic.elementsEqual("GGUF".utf8) else {
            throw reader.fail(at: 0, "not a GGUF file (the first bytes are \(magic.map { String(format: "%02x", $0) }.joined(separator: " ")), not \"GGUF\")")
        }
        let version = try reader.u32()
        switch version {
        case 2, 3: break
        case 1: throw reader.fail(at: 4, "GGUF version 1 (32-bit counts) is not supported; convert the model again with a current llama.cpp")
        default:
            let swapped = version.byteSwapped
            throw reader.fail(at: 4, swapped == 2 || swapped == 3
                ? "a big-endian GGUF file; only little-endian files are supported"
                : "GGUF version \(version) is not supported (versions 2 and 3 are)")
        }
        let tensorCount = try reader.count(minimumItemSize: 4 + 8 + 4 + 4 + 8, what: "tensor count")
        let keyCount = try reader.count(minimumItemSize: 8 + 4 + 1, what: "metadata count")
        var metadata: [String: GGUFValue] = [:]
        var keys: [String] = []
        for _ in 0..<keyCount {
            let at = reader.position
            let key = try reader.string()
            guard metadata[key] == nil else { throw reader.fail(at: at, "metadata key '\(key)' appears twice") }
            let type = try reader.valueType()
            metadata[key] = try reader.value(type, depth: 0, key: key)
            keys.append(key)
        }
        var infos: [Tensor] = []
        var seen = Set<String>()
        for _ in 0..<tensorCount {
            let at = reader.position
            let name = try reader.string()
            guard seen.insert(name).inserted else { throw reader.fail(at: at, "tensor '\(name)' is described twice") }
            let dimsAt = reader.position
            let nDims = Int(try reader.u32())
            guard (1...maxDims).contains(nDims) else {
                throw reader.fail(at: dimsAt, "tensor '\(name)' has \(nDims) dimensions (1 to \(maxDims) allowed)")
            }
            var dims: [Int] = []
            var count = 1
            for _ in 0..<nDims {
                let dim = try reader.u64()
                let product = count.multipliedReportingOverflow(by: Int(truncatingIfNeeded: dim))
                guard dim <= UInt64(Int32.max) * 1024, !product.overflow, product.partialValue <= 1 << 48 else {
                    throw reader.fail(at: dimsAt, "tensor '\(name)' has an impossible dimension \(dim)")
                }
                count = product.partialValue
                dims.append(Int(dim))
            }
            let typeAt = reader.position
            let rawType = try reader.u32()
            guard let type = GGMLType(rawValue: rawType) else {
                throw reader.fail(at: typeAt, "tensor '\(name)' has unknown ggml type \(rawType)")
            }
            guard dims[0] % type.blockLayout.size == 0, let byteCount = type.byteCount(count) else {
                throw reader.fail(at: dimsAt, "tensor '\(name)' rows of \(dims[0]) \(type) weights are not whole blocks of \(type.blockLayout.size)")
            }
            let offset = try reader.u64()
            guard offset <= UInt64(Int.max / 2) else { throw reader.fail(at: reader.position - 8, "tensor '\(name)' has offset \(offset)") }
            infos.append(Tensor(name: name, dims: dims, type: type, offset: Int(offset), byteCount: byteCount))
        }
        return (Int(version), metadata, keys, infos, reader.position)
    }
}

/// Why a GGUF file cannot be used. Messages name the file, the byte offset and what was found.
public enum GGUFError: Error, CustomStringConvertible, Equatable {
    case malformed(path: String, offset: Int, String)
    /// A tensor type `GGMLType.dequantize` does not read (`tensor` names the tensor when known).
    case unsupportedType(GGMLType, tensor: String?)
    case missingTensor(String, path: String)
    /// Well-formed, but describes a model this package does not implement.
    case unsupportedModel(path: String, String)
    /// A metadata key a model or tokenizer needs is missing or has the wrong type (`problem` says which).
    case metadata(path: String, key: String, problem: String)

    public var description: String {
        switch self {
        case .malformed(let path, let offset, let problem): "\(path): not a valid GGUF file (at byte \(offset)): \(problem)"
        case .unsupportedType(let type, let tensor):
            "\(tensor.map { "tensor '\($0)' is" } ?? "the tensor type is") \(type), which is not supported (supported: "
                + GGMLType.dequantizable.map(\.description).joined(separator: ", ")
                + "); convert the model to one of these, e.g. with llama.cpp's llama-quantize --allow-requantize … Q8_0"
        case .missingTensor(let name, let path): "\(path): the GGUF file has no tensor '\(name)'"
        case .unsupportedModel(let path, let problem): "\(path): unsupported GGUF model: \(problem)"
        case .metadata(let path, let key, let problem): "\(path): GGUF metadata '\(key)' \(problem)"
        }
    }
}

/// Reads little-endian values from a byte buffer, throwing (never trapping) when one would run past the end.
struct GGUFByteReader {
    let raw: UnsafeRawBufferPointer
    let path: String
    private(set) var position = 0

    init(_ raw: UnsafeRawBufferPointer, path: String) {
        self.raw = raw
        self.path = path
    }

    var remaining: Int { raw.count - position }

    func fail(at offset: Int, _ problem: String) -> GGUFError { .malformed(path: path, offset: offset, problem) }

    mutating func bytes(_ n: Int) throws -> UnsafeRawBufferPointer {
        guard n >= 0, n <= remaining else {
            throw fail(at: position, "needs \(n) more bytes but the file ends after \(remaining): it is truncated")
        }
        defer { position += n }
        return UnsafeRawBufferPointer(rebasing: raw[position..<position + n])
    }

    mutating func load<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let b = try bytes(MemoryLayout<T>.size)
        return T(littleEndian: b.loadUnaligned(as: T.self))
    }

    mutating func u32() throws -> UInt32 { try load(UInt32.self) }
    mutating func u64() throws -> UInt64 { try load(UInt64.self) }

    /// A u64 count of items that each take at least `minimumItemSize` bytes, checked against what remains.
    mutating func count(minimumItemSize: Int, what: String) throws -> Int {
        let at = position
        let n = try u64()
        guard n <= UInt64(remaining / max(1, minimumItemSize)) else {
            throw fail(at: at, "\(what) \(n) cannot fit in the \(remaining) bytes that remain")
        }
        return Int(n)
    }

    mutating func string() throws -> String {
        let at = position
        let length = try u64()
        guard length <= UInt64(remaining) else {
            throw fail(at: at, "a string of \(length) bytes runs past the end of the file (\(remaining) bytes remain)")
        }
        let b = try bytes(Int(length))
        guard let string = String(validating: b, as: UTF8.self) else { throw fail(at: at + 8, "a string is not valid UTF-8") }
        return string
    }

    mutating func valueType() throws -> GGUFValueType {
        let at = position
        let raw = try u32()
        guard let type = GGUFValueType(rawValue: raw) else { throw fail(at: at, "unknown metadata value type \(raw)") }
        return type
    }

    mutating func value(_ type: GGUFValueType, depth: Int, key: String) throws -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try load(UInt8.self))
        case .int8: return .int8(try load(Int8.self))
        case .uint16: return .uint16(try load(UInt16.self))
        case .int16: return .int16(try load(Int16.self))
        case .uint32: return .uint32(try load(UInt32.self))
        case .int32: return .int32(try load(Int32.self))
        case .uint64: return .uint64(try load(UInt64.self))
        case .int64: return .int64(try load(Int64.self))
        case .float32: return .float32(Float(bitPattern: try load(UInt32.self)))
        case .float64: return .float64(Double(bitPattern: try load(UInt64.self)))
        case .bool:
            let at = position
            let byte = try load(UInt8.self)
            guard byte <= 1 else { throw fail(at: at, "metadata '\(key)': a BOOL holds \(byte), not 0 or 1") }
            return .bool(byte == 1)
        case .string: return .string(try string())
        case .array:
            let at = position
            let element = try valueType()
            guard depth < GGUFFile.maxArrayDepth || element != .array else {
                throw fail(at: at, "metadata '\(key)': arrays nested deeper than \(GGUFFile.maxArrayDepth)")
            }
            let n = try count(minimumItemSize: element.minimumSize, what: "metadata '\(key)': array length")
            var values: [GGUFValue] = []
            values.reserveCapacity(n)
            for _ in 0..<n { values.append(try value(element, depth: depth + 1, key: key)) }
            return .array(element, values)
        }
    }
}
