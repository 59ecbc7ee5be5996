import Foundation
@testable import Kernels
import Synchronization
import XCTest

/// The loops' thread pool: every index runs exactly once, whether the workers were spinning or asleep, and loops
/// inside loops or on two threads at once fall back to Dispatch instead of waiting on each other.
final class WorkerPoolTests: XCTestCase {
    private func counts(_ count: Int, _ loop: (UnsafeMutablePointer<Int>) -> Void) -> [Int] {
        var hits = [Int](repeating: 0, count: count)
        hits.withUnsafeMutableBufferPointer { loop($0.baseAddress!) }
        return hits
    }

    func testEveryChunkRunsOnceAcrossSpinningAndSleepingWorkers() {
        for round in 0..<200 {
            // Every tenth loop starts after the workers have gone to sleep (they spin for 50 µs).
            if round % 10 == 0 { usleep(2_000) }
            let hits = counts(1000) { hits in
                parallelChunks(1000) { range in for i in range { hits[i] += 1 } }
            }
            XCTAssertEqual(hits, [Int](repeating: 1, count: 1000), "round \(round)")
        }
    }

    func testEveryItemRunsOnce() {
        for round in 0..<50 {
            let hits = counts(37) { hits in parallelItems(37) { item in hits[item] += 1 } }
            XCTAssertEqual(hits, [Int](repeating: 1, count: 37), "round \(round)")
        }
    }

    func testLoopInsideALoopCompletes() {
        let hits = counts(64 * 64) { hits in
            parallelChunks(64) { outer in
                for row in outer {
                    parallelChunks(64) { inner in for column in inner { hits[row * 64 + column] += 1 } }
                }
            }
        }
        XCTAssertEqual(hits, [Int](repeating: 1, count: 64 * 64))
    }

    func testLoopsOnTwoThreadsAtOnceBothComplete() {
        let total = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            for _ in 0..<200 {
                parallelChunks(100) { range in total.add(range.count, ordering: .relaxed) }
            }
        }
        XCTAssertEqual(total.load(ordering: .relaxed), 2 * 200 * 100)
    }

    func testThePoolRefusesMorePartsThanCoresAndALoopWhileBusy() {
        XCTAssertFalse(WorkerPool.shared.run(parts: coreCount + 1) { _ in XCTFail("must not run") })
        let inner = Atomic<Bool>(true)
        XCTAssertTrue(WorkerPool.shared.run(parts: 1) { _ in
            inner.store(WorkerPool.shared.run(parts: 1) { _ in }, ordering: .relaxed)
        })
        XCTAssertFalse(inner.load(ordering: .relaxed))
    }
}
