import Kernels
import XCTest

/// `FloatBuffer`'s blocks: zeroed when made or grown, and those of 2 MiB or more on a 2 MiB boundary (where the
/// kernel can back them with huge pages).
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
}
