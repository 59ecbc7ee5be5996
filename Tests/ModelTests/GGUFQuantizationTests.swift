import Determinism
import Foundation
import Kernels
import Model
import XCTest

/// The block formats on hand-made blocks with known values, and bit-for-bit agreement with gguf-py's
/// dequantization on the tensors of Tests/Fixtures/gguf/types.gguf.
final class GGUFQuantizationTests: XCTestCase {
    private func half(_ bits: UInt16) -> [UInt8] { [UInt8(bits & 0xFF), UInt8(bits >> 8)] }

    func testQ8_0BlocksAreScaleTimesSignedBytes() throws {
        // Two blocks: d = 0.5 with q = -128…-97, d = -3 with q = 0…31.
        var bytes = half(0x3800) + (0..<32).map { UInt8(bitPattern: Int8(-128 + $0)) }
        bytes += half(0xC200) + (0..<32).map { UInt8($0) }
        let values = try GGMLType.q8_0.dequantize(bytes)
        XCTAssertEqual(values, (0..<32).map { 0.5 * Float(-128 + $0) } + (0..<32).map { -3 * Float($0) })
    }

    func testQ4_0NibblesHoldElementJAndJPlus16() throws {
        // d = 2; byte j has low nibble j and high nibble 15 - j: element j = 2·(j − 8), element j + 16 = 2·(7 − j).
        let bytes = half(0x4000) + (0..<16).map { UInt8($0) | UInt8(15 - $0) << 4 }
        let values = try GGMLType.q4_0.dequantize(bytes)
        XCTAssertEqual(Array(values[0..<16]), (0..<16).map { 2 * Float($0 - 8) })
        XCTAssertEqual(Array(values[16..<32]), (0..<16).map { 2 * Float(7 - $0) })
        XCTAssertEqual(values.min(), -16)
        XCTAssertEqual(values.max(), 14)
    }

    func testQ4_1AddsTheMinimum() throws {
        // d = 0.25, m = −1; then a second block with d = 0 (every element is m = 3.5).
        var bytes = half(0x3400) + half(0xBC00) + (0..<16).map { UInt8($0) | UInt8(15 - $0) << 4 }
        bytes += half(0x0000) + half(0x4300) + [UInt8](repeating: 0xFF, count: 16)
        let values = try GGMLType.q4_1.dequantize(bytes)
        XCTAssertEqual(Array(values[0..<16]), (0..<16).map { 0.25 * Float($0) - 1 })
        XCTAssertEqual(Array(values[16..<32]), (0..<16).map { 0.25 * Float(15 - $0) - 1 })
        XCTAssertEqual(Array(values[32..<64]), [Float](repeating: 3.5, count: 32))
    }

    func testFloatFormats() throws {
        let f16: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0001, 0x7C00, 0x8000]
        XCTAssertEqual(try GGMLType.f16.dequantize(f16.flatMap(half)), [1, -2, 65504, 0x1p-24, .infinity, -0.0])
        let bf16: [UInt16] = [0x3F80, 0xC0A0, 0x0000, 0x4049]
        XCTAssertEqual(try GGMLType.bf16.dequantize(bf16.flatMap(half)), [1, -5, 0, Float(bitPattern: 0x4049_0000)])
        let f32: [Float] = [1.5, -0.1, .greatestFiniteMagnitude]
        XCTAssertEqual(try GGMLType.f32.dequantize(GGUFTestFile.f32(f32)), f32)
        XCTAssertThrowsError(try GGMLType.q8_0.dequantize([1, 2, 3]))
        XCTAssertThrowsError(try GGMLType.q5_0.dequantize([UInt8](repeating: 0, count: 22))) {
            XCTAssertEqual($0 as? GGUFError, .unsupportedType(.q5_0, tensor: nil))
        }
    }

    /// Many blocks, so the loop is split over the cores: every block lands where it belongs.
    func testLargeTensorsSplitOverCoresKeepBlockOrder() throws {
        var g = SeededGenerator(seed: 11)
        let blocks = 20_000
        var bytes: [UInt8] = []
        var expected: [Float] = []
        for _ in 0..<blocks {
            let d = Float16(Float(g.next() % 1000) / 997), m = Float16(-Float(g.next() % 100) / 31)
            let q = (0..<16).map { _ in UInt8(truncatingIfNeeded: g.next()) }
            bytes += half(d.bitPattern) + half(m.bitPattern) + q
            expected += q.map { Float(d) * Float($0 & 0xF) + Float(m) } + q.map { Float(d) * Float($0 >> 4) + Float(m) }
        }
        XCTAssertEqual(try GGMLType.q4_1.dequantize(bytes), expected)
    }

    func testMatchesGGUFPyBitForBit() throws {
        let directory = fixturesDirectory.appendingPathComponent("gguf")
        let file = try GGUFFile(contentsOf: directory.appendingPathComponent("types.gguf"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("types_expected.json")))
        let tensors = try XCTUnwrap((json as? [String: Any])?["tensors"] as? [String: [String: Any]])
        var checked = 0
        for (name, expected) in tensors {
            let tensor = try XCTUnwrap(file.tensor(named: name))
            XCTAssertEqual(tensor.type.description, expected["type"] as? String)
            XCTAssertEqual(tensor.shape, (expected["shape"] as? [NSNumber])?.map(\.intValue))
            guard let values = expected["values"] as? [NSNumber] else { continue }
            let ours = try file.floats(name)
            let reference = values.map { Float($0.doubleValue) }
            XCTAssertEqual(ours.count, reference.count, name)
            let mismatches = zip(ours, reference).filter { $0.bitPattern != $1.bitPattern }
            XCTAssertTrue(mismatches.isEmpty, "\(name): \(mismatches.count) values differ, first \(mismatches.prefix(3))")
            checked += 1
        }
        XCTAssertEqual(checked, 6)
    }
}
