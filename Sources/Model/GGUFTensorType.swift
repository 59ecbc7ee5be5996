import Kernels

/// A tensor's element type in a GGUF file (`ggml_type` in ggml.h; `GGMLQuantizationType` in gguf-py), with the
/// block layout of each: `blockSize` weights stored in `blockBytes` bytes. Every known type is listed, so that a
/// file's byte ranges are checked whatever it holds; `dequantize` reads six of them.
///
/// Block formats (ggml-common.h), 32 weights a block, little-endian:
/// - `Q8_0`: f16 scale d, 32 × i8 q; x = d·q.
/// - `Q4_0`: f16 d, 16 bytes; byte j holds element j in its low nibble and element j + 16 in its high one;
///   x = d·(q − 8).
/// - `Q4_1`: f16 d, f16 minimum m, 16 bytes as in `Q4_0`; x = d·q + m.
public enum GGMLType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15
    case iq2_xxs = 16, iq2_xs = 17, iq3_xxs = 18, iq1_s = 19, iq4_nl = 20, iq3_s = 21, iq2_s = 22, iq4_xs = 23
    case i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1_m = 29, bf16 = 30, tq1_0 = 34, tq2_0 = 35
    case mxfp4 = 39, nvfp4 = 40, q1_0 = 41

    /// The types `dequantize` reads.
    public static let dequantizable: [GGMLType] = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1]

    /// The name llama.cpp prints (`Q4_1`, `BF16`, `IQ2_XXS`…).
    public var description: String {
        switch self {
        case .f32: "F32"
        case .f16: "F16"
        case .q4_0: "Q4_0"
        case .q4_1: "Q4_1"
        case .q5_0: "Q5_0"
        case .q5_1: "Q5_1"
        case .q8_0: "Q8_0"
        case .q8_1: "Q8_1"
        case .q2_K: "Q2_K"
        case .q3_K: "Q3_K"
        case .q4_K: "Q4_K"
        case .q5_K: "Q5_K"
        case .q6_K: "Q6_K"
        case .q8_K: "Q8_K"
        case .iq2_xxs: "IQ2_XXS"
        case .iq2_xs: "IQ2_XS"
        case .iq3_xxs: "IQ3_XXS"
        case .iq1_s: "IQ1_S"
        case .iq4_nl: "IQ4_NL"
        case .iq3_s: "IQ3_S"
        case .iq2_s: "IQ2_S"
        case .iq4_xs: "IQ4_XS"
        case .i8: "I8"
        case .i16: "I16"
        case .i32: "I32"
        case .i64: "I64"
        case .f64: "F64"
        case .iq1_m: "IQ1_M"
        case .bf16: "BF16"
        case .tq1_0: "TQ1_0"
        case .tq2_0: "TQ2_0"
        case .mxfp4: "MXFP4"
        case .nvfp4: "NVFP4"
        case .q1_0: "Q1_0"
        }
    }

    /// Weights per block and bytes per block (gguf-py's `GGML_QUANT_SIZES`).
    public var blockLayout: (size: Int, bytes: Int) {
        let k = 256  // QK_K, the super-block of the K and IQ types
        switch self {
        case .f32, .i32: return (1, 4)
        case .f16, .bf16, .i16: return (1, 2)
        case .i8: return (1, 1)
        case .i64, .f64: return (1, 8)
        case .q4_0, .iq4_nl: return (32, 2 + 16)
        case .q4_1: return (32, 2 + 2 + 16)
        case .q5_0: return (32, 2 + 4 + 16)
        case .q5_1: return (32, 2 + 2 + 4 + 16)
        case .q8_0: return (32, 2 + 32)
        case .q8_1: return (32, 4 + 4 + 32)
        case .q2_K: return (k, 2 + 2 + k / 16 + k / 4)
        case .q3_K: return (k, 2 + k / 4 + k / 8 + 12)
        case .q4_K: return (k, 2 + 2 + k / 2 + 12)
        case .q5_K: return (k, 2 + 2 + k / 2 + k / 8 + 12)
        case .q6_K: return (k, 2 + k / 2 + k / 4 + k / 16)
        case .q8_K: return (k, 4 + k + k / 8)
        case .iq2_xxs: return (k, 2 + k / 4)
        case .iq2_xs: return (k, 2 + k / 4 + k / 32)
        case .iq3_xxs: return (k, 2 + k / 4 + k / 8)
        case .iq1_s: return (k, 2 + k / 8 + k / 16)
        case .iq3_s: return (k, 2 + k / 4 + k / 8 + k / 32 + 4)
        case .iq2_s: return (k, 2 + k / 4 + k / 16)
        case .iq4_xs: return (k, 2 + 2 + k / 2 + k / 64)
        case .iq1_m: return (k, k / 8 + k / 16 + k / 32)
        case .tq1_0: return (k, 2 + 4 * 13)
        case .tq2_0: return (k, 2 + 64)
        case .mxfp4: return (32, 1 + 16)
        case .nvfp4: return (64, 4 + 32)
        case .q1_0: return (128, 2 + 16)
        }
    }

    /// Bytes taken by `count` weights (a multiple of the block size), or nil on overflow.
    func byteCount(_ count: Int) -> Int? {
        let (size, bytes) = blockLayout
        let (total, overflow) = (count / size).multipliedReportingOverflow(by: bytes)
        return overflow ? nil : total
    }

    /// Converts `count` weights (a multiple of the block size) starting at `source` to Float.
    ///
    /// Results equal gguf-py's `quants.dequantize` bit for bit: each value is one product (`Q8_0`, `Q4_0`) or a
    /// product then a sum (`Q4_1`), in Float, from the f16 scale converted exactly.
    /// - Throws: `GGUFError.unsupportedType` for a type outside `dequantizable`.
    /// - Complexity: O(count), split over the cores.
    public func dequantize(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) throws {
        guard GGMLType.dequantizable.contains(self) else { throw GGUFError.unsupportedType(self, tensor: nil) }
        let (size, bytes) = blockLayout
        precondition(count % size == 0, "\(count) weights are not whole \(self) blocks")
        parallelChunks(count / size, minimumPerChunk: 1 << 16 / size) { blocks in
            let p = source + blocks.lowerBound * bytes, out = destination + blocks.lowerBound * size
            switch self {
            case .f32: UnsafeMutableRawPointer(out).copyMemory(from: p, byteCount: blocks.count * 4)
            case .f16: for i in 0..<blocks.count { out[i] = Self.half(p, 2 * i) }
            case .bf16:
                for i in 0..<blocks.count {
                    out[i] = Float(bitPattern: UInt32(p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16)
                }
            case .q8_0: for b in 0..<blocks.count { Self.q8_0(p + b * bytes, out + b * size) }
            case .q4_0: for b in 0..<blocks.count { Self.q4_0(p + b * bytes, out + b * size) }
            case .q4_1: for b in 0..<blocks.count { Self.q4_1(p + b * bytes, out + b * size) }
            default: preconditionFailure("\(self) is not dequantizable")
            }
        }
    }

    /// Dequantizes a byte array holding whole blocks: the entry point for tests of the block formats.
    public func dequantize(_ bytes: [UInt8]) throws -> [Float] {
        let (size, blockBytes) = blockLayout
        guard bytes.count % blockBytes == 0 else {
            throw GGUFError.malformed(path: "<memory>", offset: bytes.count, "\(bytes.count) bytes are not whole \(self) blocks")
        }
        let count = bytes.count / blockBytes * size
        var out = [Float](repeating: 0, count: count)
        guard count > 0 else { return out }
        try bytes.withUnsafeBytes { raw in
            try out.withUnsafeMutableBufferPointer { try dequantize(raw.baseAddress!, count: count, into: $0.baseAddress!) }
        }
        return out
    }

    @inline(__always)
    private static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    @inline(__always)
    private static func q8_0(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(p, 0)
        let q = (p + 2).assumingMemoryBound(to: Int8.self)
        for j in 0..<32 { out[j] = d * Float(q[j]) }
    }

    @inline(__always)
    private static func q4_0(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(p, 0)
        let q = (p + 2).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            out[j] = d * Float(Int(q[j] & 0x0F) - 8)
            out[j + 16] = d * Float(Int(q[j] >> 4) - 8)
        }
    }

    @inline(__always)
    private static func q4_1(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(p, 0), m = half(p, 2)
        let q = (p + 4).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            out[j] = d * Float(q[j] & 0x0F) + m
            out[j + 16] = d * Float(q[j] >> 4) + m
        }
    }
}
