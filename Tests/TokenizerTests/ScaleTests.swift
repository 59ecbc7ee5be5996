import Foundation
import Tokenizer
import XCTest

/// Inputs that break naive implementations: very long pieces (quadratic merging or splitting would take minutes
/// here) and many threads sharing one tokenizer.
final class ScaleTests: XCTestCase {
    func testLongRunsStayFast() throws {
        for variant in ["gpt2", "llama3", "smollm"] {
            let tokenizer = try Fixtures.tokenizer(variant)
            for text in [String(repeating: "a", count: 50_000), String(repeating: " ", count: 50_000),
                         String(repeating: "7", count: 50_000), String(repeating: "🙂", count: 10_000),
                         String(repeating: "ab \n\t", count: 10_000)] {
                let start = Date()
                let ids = tokenizer.encode(text)
                XCTAssertTrue(sameScalars(tokenizer.decode(ids), text))
                let seconds = Date().timeIntervalSince(start)
                XCTAssertLessThan(seconds, 5, "\(variant): \(text.prefix(5).debugDescription)…")
            }
        }
    }

    func testConcurrentEncodingAgreesWithSerial() throws {
        let tokenizer = try Fixtures.tokenizer("smollm")
        let strings = try XCTUnwrap(Fixtures.golden).strings
        let expected = strings.map(tokenizer.encode)
        let mismatches = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for (i, string) in strings.enumerated() where (i + worker) % 2 == 0 {
                if tokenizer.encode(string) != expected[i] { mismatches.withLock { $0 += 1 } }
            }
        }
        XCTAssertEqual(mismatches.withLock { $0 }, 0)
    }
}

/// A lock around a value, for counting from `concurrentPerform` workers.
final class Mutex<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
