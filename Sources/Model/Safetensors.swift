import Foundation

/// A safetensors file: an 8-byte little-endian header length N, N bytes of JSON describing each tensor's dtype,
/// shape and byte range (relative to the end of the header), then the raw little-endian data.
///
/// Reading validates everything before any tensor is touched: the header length against the file size, each
/// entry's fields, each byte range against the data size and its shape and dtype, and that ranges do not overlap.
/// A corrupt file is an error naming the problem, never a crash or an out-of-bounds read.
public struct SafetensorsFile: Sendable {
    public enum DType: String, Sendable {
        case f32 = "F32", f16 = "F16", bf16 = "BF16"
        var size: Int { self == .f32 ? 4 : 2 }
    }

    public struct Tensor: Sendable, Equatable {
        public let name: String
        public let dtype: DType
        public let shape: [Int]
        /// Byte range within the data section.
        public let range: Range<Int>
        public var count: Int { shape.reduce(1, *) }
    }

    public let path: String
    public let tensors: [String: Tensor]
    public let metadata: [String: String]
    private let bytes: Data
    private let dataStart: Int

    public init(contentsOf url: URL) throws {
        try self.init(data: MappedFile.read(url), path: url.path)
    }

    public init(data: Data, path: String = "<memory>") throws {
        func fail(_ problem: String) -> ModelError { .safetensors(path: path, problem: problem) }
        guard data.count >= 8 else { throw fail("shorter than the 8-byte header length") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw fail("header length \(headerLength) runs past the end of the file (\(data.count) bytes)")
        }
        let start = 8 + Int(headerLength)
        let header = data.subdata(in: data.startIndex + 8..<data.startIndex + start)
        guard let json = (try? JSONSerialization.jsonObject(with: header)) as? [String: Any] else {
            throw fail("the header is not a JSON object")
        }
        let dataSize = data.count - start
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in json {
            if name == "__metadata__" {
                for (key, entry) in value as? [String: Any] ?? [:] { metadata[key] = entry as? String }
                continue
            }
            guard let fields = value as? [String: Any], let dtypeName = fields["dtype"] as? String,
                  let shape = fields["shape"] as? [NSNumber], let offsets = fields["data_offsets"] as? [NSNumber],
                  offsets.count == 2
            else { throw fail("entry '\(name)' lacks dtype, shape or data_offsets") }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw fail("tensor '\(name)' has dtype \(dtypeName); only F32, F16 and BF16 are read")
            }
            let dims = shape.map(\.intValue)
            let begin = offsets[0].intValue, end = offsets[1].intValue
            guard dims.allSatisfy({ $0 >= 0 && $0 < 1 << 40 }) else { throw fail("tensor '\(name)' has shape \(dims)") }
            guard begin >= 0, begin <= end, end <= dataSize else {
                throw fail("tensor '\(name)' has data_offsets [\(begin), \(end)] outside the \(dataSize)-byte data section")
            }
            let (elements, overflow) = dims.reduce((1, false)) { partial, dim in
                let product = partial.0.multipliedReportingOverflow(by: dim)
                return (product.partialValue, partial.1 || product.overflow)
            }
            guard !overflow, elements * dtype.size == end - begin else {
                throw fail("tensor '\(name)' spans \(end - begin) bytes but shape \(dims) of \(dtypeName) needs \(elements * dtype.size)")
            }
            tensors[name] = Tensor(name: name, dtype: dtype, shape: dims, range: begin..<end)
        }
        let sorted = tensors.values.sorted { $0.range.lowerBound < $1.range.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.range.overlaps(b.range) {
            throw fail("tensors '\(a.name)' and '\(b.name)' overlap")
        }
        self.path = path
        self.tensors = tensors
        self.metadata = metadata
        self.bytes = data
        self.dataStart = start
    }

    /// Copies a tensor into `destination` as Float, converting F16 and BF16.
    public func read(_ name: String, into destination: UnsafeMutablePointer<Float>) throws {
        guard let tensor = tensors[name] else { throw ModelError.missingTensor(name) }
        bytes.withUnsafeBytes { raw in
            let source = raw.baseAddress! + dataStart + tensor.range.lowerBound
            switch tensor.dtype {
            case .f32:
                UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: tensor.count * 4)
            case .f16:
                for i in 0..<tensor.count {
                    destination[i] = Float(Float16(bitPattern: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                }
            case .bf16:
                for i in 0..<tensor.count {
                    let bits = UInt32(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16
                    destination[i] = Float(bitPattern: bits)
                }
            }
        }
    }

    /// A tensor as a new array of Float.
    public func floats(_ name: String) throws -> [Float] {
        guard let tensor = tensors[name] else { throw ModelError.missingTensor(name) }
        var values = [Float](repeating: 0, count: tensor.count)
        try values.withUnsafeMutableBufferPointer { try read(name, into: $0.baseAddress!) }
        return values
    }

    /// Writes F32 tensors atomically, in the given order, with the header padded to 8 bytes as the reference
    /// implementation does.
    public static func write(
        _ tensors: [(name: String, shape: [Int], values: UnsafeBufferPointer<Float>)],
        metadata: [String: String] = ["format": "pt"], to url: URL
    ) throws {
        var header: [String: Any] = ["__metadata__": metadata]
        var offset = 0
        for tensor in tensors {
            precondition(tensor.shape.reduce(1, *) == tensor.values.count, "shape of \(tensor.name) does not match its values")
            header[tensor.name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + 4 * tensor.values.count]]
            offset += 4 * tensor.values.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
        var prefix = Data(count: 8)
        for i in 0..<8 { prefix[i] = UInt8(truncatingIfNeeded: UInt64(json.count) >> (8 * UInt64(i))) }
        try AtomicFile.write(to: url) { descriptor in
            try (prefix + json).withUnsafeBytes { try AtomicFile.writeAll(descriptor, $0, path: url.path) }
            for tensor in tensors {
                try AtomicFile.writeAll(descriptor, UnsafeRawBufferPointer(tensor.values), path: url.path)
            }
        }
    }
}
