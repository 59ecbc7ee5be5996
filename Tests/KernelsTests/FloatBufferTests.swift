import Kernels
import XCTest

/// `FloatBuffer`'s blocks: zeroed when made or grown, and those of 2 MiB or more on a 2 MiB boundary (where the
/// kernel can back them with huge pages); the memory-bound passes split over the cores (`zero`, `addInPlace`)
/// cover exactly their span, whatever the chunk boundaries.
final class FloatBufferTests: XCTestCase {
    func testBlocksAreZeroedAndLargeOnesStartOnA2MiBBoundary() {
        let hugePage = 2 << 20
        for count in [1, 1000, hugePage / 4 - 1, hugePage / 4, 3 * hugePage / 4 + 5] {
            let buffer = FloatBuffer(count: count)
            XCTAssertTrue((0..<count).allSatisfy { buffer[$0] == 0 }, "count \(count)")
            let address = Int(bitPattern: buffer.pointer)
            XCTAssertEqual(address % (count * 4 >= hugePage ? hugePage : 64), 0, "count \(count)")
        }
        let growing = FloatBuffer(count: 10)
        growing[3] = 7
        growing.reserve(hugePage)
        XCTAssertGreaterThanOrEqual(growing.capacity, hugePage)
        XCTAssertEqual(Int(bitPattern: growing.pointer) % hugePage, 0)
        XCTAssertTrue((0..<hugePage).allSatisfy { growing[$0] == 0 })
    }

    func testZeroClearsExactlyTheCountedFloatsAcrossChunks() {
        for count in [0, 5, 2 * parallelStreamMinimum - 1, 2 * parallelStreamMinimum + 3, 5 * parallelStreamMinimum + 7] {
            let buffer = FloatBuffer(count: count + 9)
            for i in 0..<buffer.capacity { buffer[i] = Float(i % 13) + 1 }
            buffer.zero(count)
            XCTAssertTrue((0..<count).allSatisfy { buffer[$0] == 0 }, "count \(count)")
            XCTAssertTrue((count..<buffer.capacity).allSatisfy { buffer[$0] == Float($0 % 13) + 1 }, "count \(count)")
        }
    }

    func testAddInPlaceAddsEveryElementOnceAcrossChunks() {
        for count in [7, 2 * parallelStreamMinimum - 1, 2 * parallelStreamMinimum, 3 * parallelStreamMinimum + 11] {
            let accumulator = FloatBuffer(count: count + 1), addend = FloatBuffer(count: count)
            for i in 0..<count {
                accumulator[i] = Float(i % 17)
                addend[i] = Float(i % 5) * 0.5
            }
            accumulator[count] = -1
            addInPlace(accumulator.pointer, addend.pointer, count: count)
            XCTAssertTrue((0..<count).allSatisfy { accumulator[$0] == Float($0 % 17) + Float($0 % 5) * 0.5 }, "count \(count)")
            XCTAssertEqual(accumulator[count], -1, "count \(count)")
        }
    }
}
