import Determinism
import Foundation
import Kernels
import Model
import TestSupport
import XCTest

/// The GGUF container: every metadata type as gguf-py writes it, versions 2 and 3, alignments, and corrupt files
/// (each a `GGUFError` naming the problem; fuzzed files never crash).
final class GGUFReaderTests: XCTestCase {
    static let directory = fixturesDirectory.appendingPathComponent("gguf")

    func testReadsEveryMetadataTypeAsGGUFPyWritesIt() throws {
        let file = try GGUFFile(contentsOf: Self.directory.appendingPathComponent("types.gguf"))
        XCTAssertEqual(file.version, 3)
        XCTAssertEqual(file.alignment, 64)
        XCTAssertEqual(file.dataOffset % 64, 0)
        let m = file.metadata
        XCTAssertEqual(m["general.architecture"], .string("test"))
        XCTAssertEqual(m["test.uint8"], .uint8(200))
        XCTAssertEqual(m["test.int8"], .int8(-100))
        XCTAssertEqual(m["test.uint16"], .uint16(60000))
        XCTAssertEqual(m["test.int16"], .int16(-30000))
        XCTAssertEqual(m["test.uint32"], .uint32(4_000_000_000))
        XCTAssertEqual(m["test.int32"], .int32(-2_000_000_000))
        XCTAssertEqual(m["test.float32"], .float32(0.1))
        XCTAssertEqual(m["test.bool"], .bool(true))
        XCTAssertEqual(m["test.string"], .string("héllo, wörld ✓"))
        XCTAssertEqual(m["test.uint64"], .uint64(18_000_000_000_000_000_000))
        XCTAssertEqual(m["test.int64"], .int64(-9_000_000_000_000_000_000))
        XCTAssertEqual(m["test.float64"], .float64(2.718281828459045))
        XCTAssertEqual(m["test.empty_string"], .string(""))
        XCTAssertEqual(m["test.array.uint8"], .array(.uint8, [.uint8(0), .uint8(1), .uint8(255)]))
        XCTAssertEqual(m["test.array.int8"], .array(.int8, [.int8(-128), .int8(0), .int8(127)]))
        XCTAssertEqual(m["test.array.uint16"], .array(.uint16, [.uint16(0), .uint16(65535)]))
        XCTAssertEqual(m["test.array.int16"], .array(.int16, [.int16(-32768), .int16(32767)]))
        XCTAssertEqual(m["test.array.uint32"], .array(.uint32, [.uint32(1), .uint32(4_294_967_295)]))
        XCTAssertEqual(m["test.array.int32"]?.ints, [-5, 5, 7])
        XCTAssertEqual(m["test.array.float32"], .array(.float32, [.float32(0.5), .float32(-1.25), .float32(3)]))
        XCTAssertEqual(m["test.array.bool"], .array(.bool, [.bool(true), .bool(false), .bool(true)]))
        XCTAssertEqual(m["test.array.string"]?.strings, ["a", "Ġb", "<|im_end|>", ""])
        XCTAssertEqual(m["test.array.uint64"], .array(.uint64, [.uint64(0), .uint64(.max)]))
        XCTAssertEqual(m["test.array.int64"], .array(.int64, [.int64(.min), .int64(.max)]))
        XCTAssertEqual(m["test.array.float64"], .array(.float64, [.float64(1e-300), .float64(-2.5)]))
        XCTAssertEqual(m["test.array.nested"], .array(.array, [.array(.int32, [.int32(1), .int32(2)]), .array(.int32, [.int32(3)])]))
        XCTAssertEqual(file.keys.count, 28)
        XCTAssertEqual(file.keys.first, "general.architecture")
        XCTAssertEqual(Set(file.keys), Set(m.keys))
        XCTAssertEqual(file.tensors.map(\.name), ["f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q4_k"])
        XCTAssertEqual(file.tensors.map(\.type), [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q4_K])
        XCTAssertEqual(file.tensor(named: "f32")?.shape, [3, 64])
        XCTAssertEqual(file.tensor(named: "f32")?.dims, [64, 3])
        XCTAssertEqual(file.tensor(named: "q4_1")?.shape, [4, 64])
        XCTAssertEqual(file.tensor(named: "q4_1")?.byteCount, 4 * 2 * 20)
        XCTAssertEqual(file.tensor(named: "q4_k")?.shape, [2, 256])
        XCTAssertNil(file.tensor(named: "missing"))
    }

    /// Every value type, nested and empty arrays, versions 2 and 3 and several alignments: what the test writer
    /// writes, the reader reads back equal.
    func testRoundTripsAllTypesInVersions2And3() throws {
        let values: [(String, GGUFValue)] = [
            ("u8", .uint8(7)), ("i8", .int8(-7)), ("u16", .uint16(700)), ("i16", .int16(-700)),
            ("u32", .uint32(70_000)), ("i32", .int32(-70_000)), ("u64", .uint64(.max)), ("i64", .int64(.min)),
            ("f32", .float32(-0.0)), ("f64", .float64(.infinity)), ("yes", .bool(true)), ("no", .bool(false)),
            ("text", .string("Ġtoken ✓")), ("empty", .array(.string, [])),
            ("nested", .array(.array, [.array(.string, [.string("a")]), .array(.float32, [])])),
        ]
        for version in [UInt32(2), 3] {
            for alignment in [nil, 8, 16, 128] {
                var writer = GGUFTestFile(version: version, alignment: alignment, metadata: values)
                writer.tensors = [
                    .init(name: "a", dims: [3], type: .f32, bytes: GGUFTestFile.f32([1, 2, 3])),
                    .init(name: "b", dims: [2, 2], type: .f32, bytes: GGUFTestFile.f32([4, 5, 6, 7])),
                ]
                let file = try GGUFFile(data: Data(writer.bytes))
                XCTAssertEqual(file.version, Int(version))
                XCTAssertEqual(file.alignment, alignment ?? 32)
                for (key, value) in values { XCTAssertEqual(file.metadata[key], value, "\(key), version \(version)") }
                XCTAssertEqual(try file.floats("a"), [1, 2, 3])
                XCTAssertEqual(try file.floats("b"), [4, 5, 6, 7])
                XCTAssertEqual(file.tensor(named: "b")?.offset, (12 + (alignment ?? 32) - 1) / (alignment ?? 32) * (alignment ?? 32))
            }
        }
    }

    func testCorruptFilesAreErrorsNamingTheProblem() throws {
        let valid = GGUFTestFile(
            metadata: [("general.architecture", .string("llama")), ("k", .array(.uint32, [.uint32(1)]))],
            tensors: [.init(name: "w", dims: [32, 2], type: .q8_0, bytes: [UInt8](repeating: 0, count: 68))])
        XCTAssertNoThrow(try GGUFFile(data: Data(valid.bytes)))
        func expect(_ bytes: [UInt8], _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try GGUFFile(data: Data(bytes), path: "x.gguf"), file: file, line: line) { error in
                guard case GGUFError.malformed = error else { return XCTFail("\(error) is not .malformed", file: file, line: line) }
                XCTAssertTrue("\(error)".contains(fragment), "\"\(error)\" lacks \"\(fragment)\"", file: file, line: line)
                XCTAssertTrue("\(error)".hasPrefix("x.gguf: not a valid GGUF file (at byte "), file: file, line: line)
            }
        }
        func with(_ change: (inout GGUFTestFile) -> Void) -> [UInt8] {
            var copy = valid
            change(&copy)
            return copy.bytes
        }
        var bytes = valid.bytes
        expect([], "truncated")
        expect(Array("GGUG".utf8) + bytes.dropFirst(4), "not a GGUF file")
        expect(with { $0.version = 1 }, "version 1")
        expect(with { $0.version = 4 }, "version 4 is not supported")
        expect(with { $0.version = UInt32(3).byteSwapped }, "big-endian")
        expect(Array(bytes.prefix(30)), "cannot fit in the 14 bytes that remain")
        expect(Array(bytes.dropLast(10)), "runs past the end")
        expect(with { $0.metadata.append(("k", .bool(true))) }, "'k' appears twice")
        expect(with { $0.tensors.append($0.tensors[0]) }, "'w' is described twice")
        expect(with { $0.tensors[0].dims = [33, 2] }, "not whole blocks")
        expect(with { $0.tensors[0].dims = [32, 1, 1, 1, 2] }, "5 dimensions")
        expect(with { $0.tensors[0].dims = [] }, "0 dimensions")
        expect(with { $0.tensors[0].dims = [32, 1 << 60] }, "impossible dimension")
        expect(with { $0.alignment = 24 }, "power of two")
        expect(with { $0.metadata.append(("general.alignment", .uint64(32))) }, "must be a UINT32")
        expect(with { $0.metadata.append(("s", .string("é"))) }.replacingFirst([0xC3, 0xA9], with: [0xC3, 0x28]), "not valid UTF-8")
        // Counts and lengths that cannot fit in the file are refused before anything is allocated.
        let tensorCount = 8, keyCount = 16
        bytes = valid.bytes
        bytes.replaceSubrange(tensorCount..<tensorCount + 8, with: [UInt8](repeating: 0xFF, count: 8))
        expect(bytes, "tensor count")
        bytes = valid.bytes
        bytes.replaceSubrange(keyCount..<keyCount + 8, with: [0, 0, 0, 0, 0, 0, 0, 1])
        expect(bytes, "metadata count")
        bytes = valid.bytes
        bytes.replaceSubrange(24..<32, with: [0, 0, 0, 0, 0, 0, 0, 0x10])  // the first key's length
        expect(bytes, "a string of")
        let arrayCount = valid.bytes.firstRange(of: [UInt8(4), 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0])!.lowerBound + 4
        bytes = valid.bytes
        bytes.replaceSubrange(arrayCount..<arrayCount + 8, with: [0, 0, 0, 0, 0, 0, 0, 0x40])
        expect(bytes, "array length")
        bytes = valid.bytes
        bytes[arrayCount - 4] = 13  // element type
        expect(bytes, "unknown metadata value type 13")
        bytes = valid.bytes
        bytes[arrayCount - 4] = 7  // BOOL elements, and the value's first byte is 1; make it 2
        bytes[arrayCount + 8] = 2
        expect(bytes, "a BOOL holds 2")
        bytes = valid.bytes
        let nameEnd = bytes.firstRange(of: Array("w".utf8) + [2, 0, 0, 0])!.upperBound + 16
        bytes.replaceSubrange(nameEnd..<nameEnd + 4, with: [99, 0, 0, 0])
        expect(bytes, "unknown ggml type 99")
        bytes = valid.bytes
        bytes.replaceSubrange(nameEnd + 4..<nameEnd + 12, with: [8, 0, 0, 0, 0, 0, 0, 0])
        expect(bytes, "not a multiple of the alignment")
        bytes = valid.bytes
        bytes.replaceSubrange(nameEnd + 4..<nameEnd + 12, with: [0, 1, 0, 0, 0, 0, 0, 0])
        expect(bytes, "runs past the end")
        let overlapping = with {
            $0.tensors.append(.init(name: "v", dims: [32], type: .q8_0, bytes: [UInt8](repeating: 0, count: 34)))
        }
        bytes = overlapping
        let second = bytes.firstRange(of: Array("v".utf8) + [1, 0, 0, 0])!.upperBound + 12
        bytes.replaceSubrange(second..<second + 8, with: [32, 0, 0, 0, 0, 0, 0, 0])
        expect(bytes, "overlap")
    }

    func testUnsupportedTensorTypesAreNamed() throws {
        let file = try GGUFFile(contentsOf: Self.directory.appendingPathComponent("types.gguf"))
        XCTAssertThrowsError(try file.floats("q4_k")) { error in
            XCTAssertEqual(error as? GGUFError, .unsupportedType(.q4_K, tensor: "q4_k"))
            XCTAssertTrue("\(error)".hasPrefix("tensor 'q4_k' is Q4_K, which is not supported (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1)"),
                          "\(error)")
        }
        XCTAssertThrowsError(try file.floats("nope")) { XCTAssertEqual($0 as? GGUFError, .missingTensor("nope", path: file.path)) }
        XCTAssertEqual(GGMLType.iq2_xxs.description, "IQ2_XXS")
        XCTAssertEqual(GGMLType.q6_K.description, "Q6_K")
    }

    /// Random byte flips, overwritten words and truncations of real files: every result is a file or a
    /// `GGUFError`, and a file that parses can have all its tensors read. Replay with DPO_TEST_SEED.
    func testFuzzedFilesNeverCrash() throws {
        let seed = testSeed(#function)
        var g = SeededGenerator(seed: seed)
        let types = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent("types.gguf")))
        let synthetic = GGUFTestFile(
            version: 2, alignment: 16,
            metadata: [("a", .array(.array, [.array(.string, [.string("x"), .string("yz")])])), ("b", .float64(1))],
            tensors: [.init(name: "t", dims: [32], type: .q4_1, bytes: [UInt8](repeating: 0x5A, count: 20))]).bytes
        var parsed = 0, rejected = 0
        for iteration in 0..<3000 {
            var bytes = iteration % 2 == 0 ? types : synthetic
            let headerEnd = min(bytes.count, iteration % 2 == 0 ? 1536 : synthetic.count)
            switch g.next() % 4 {
            case 0:
                for _ in 0..<(1 + g.next() % 4) { bytes[Int(g.next() % UInt64(headerEnd))] ^= UInt8(1 << (g.next() % 8)) }
            case 1:
                let at = Int(g.next() % UInt64(headerEnd - 8))
                let word: UInt64 = [0, .max, 1 << 32, 1 << 62, g.next(), UInt64(g.next() % 300)][Int(g.next() % 6)]
                withUnsafeBytes(of: word.littleEndian) { bytes.replaceSubrange(at..<at + 8, with: $0) }
            case 2:
                bytes = Array(bytes.prefix(Int(g.next() % UInt64(bytes.count))))
            default:
                bytes[Int(g.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: g.next())
            }
            do {
                let file = try GGUFFile(data: Data(bytes))
                for tensor in file.tensors where GGMLType.dequantizable.contains(tensor.type) && tensor.count < 1 << 20 {
                    _ = try file.floats(tensor.name)
                }
                parsed += 1
            } catch is GGUFError {
                rejected += 1
            }
        }
        print("\(#function): \(parsed) mutated files parsed, \(rejected) rejected")
        XCTAssertGreaterThan(rejected, 500)
        XCTAssertGreaterThan(parsed, 100)
        // Every prefix of a valid file up to its data section is an error, never a crash.
        for length in 0..<1536 { XCTAssertThrowsError(try GGUFFile(data: Data(types.prefix(length)))) }
    }
}

extension Array where Element == UInt8 {
    func replacingFirst(_ pattern: [UInt8], with replacement: [UInt8]) -> [UInt8] {
        guard let range = firstRange(of: pattern) else { return self }
        var copy = self
        copy.replaceSubrange(range, with: replacement)
        return copy
    }
}
