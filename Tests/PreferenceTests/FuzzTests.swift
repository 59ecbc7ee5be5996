import TestSupport
import XCTest
@testable import Preference

/// Random and mutated input must never crash or hang the parser or the loader; each run prints its seed, and
/// `DPO_TEST_SEED` replays one. Draws come from the built-in tasks' `TaskRandom`.
final class FuzzTests: XCTestCase {
    private func seed(_ test: String = #function) -> UInt64 { testSeed("FuzzTests.\(test)") }

    private func corpus() throws -> [[UInt8]] {
        try ["standard.jsonl", "conversational.jsonl", "implicit_prompt_hh.jsonl", "implicit_prompt_plain.json",
             "openai.jsonl", "unpaired.jsonl", "bad.jsonl"]
            .map { Array(try Data(contentsOf: Fixtures.url($0))) }
    }

    /// Bytes JSON cares about, so mutations reach deep into the grammar instead of failing at the first byte.
    private let interesting: [UInt8] = Array("{}[]\":,\\u0123456789eE+-.tfnrl \n\r\t".utf8) + [0x00, 0x7F, 0x80, 0xC3, 0xED, 0xF4, 0xFF]

    private func mutate(_ input: [UInt8], _ random: inout TaskRandom) -> [UInt8] {
        var bytes = input
        for _ in 0...random.below(8) {
            let position = bytes.isEmpty ? 0 : random.below(bytes.count)
            let byte = random.below(2) == 0 ? interesting[random.below(interesting.count)] : UInt8(random.below(256))
            switch random.below(5) {
            case 0 where !bytes.isEmpty: bytes[position] = byte
            case 1: bytes.insert(byte, at: position)
            case 2 where !bytes.isEmpty: bytes.remove(at: position)
            case 3 where !bytes.isEmpty:
                let end = min(bytes.count, position + random.below(64))
                bytes.insert(contentsOf: bytes[position..<end], at: random.below(bytes.count))
            default: bytes = Array(bytes.prefix(position))
            }
        }
        return bytes
    }

    /// Every parsed value survives a write and a re-parse unchanged, and every non-blank line of a JSON Lines
    /// file ends up as exactly one record or one problem.
    private func check(_ bytes: [UInt8], _ label: @autoclosure () -> String) {
        if let value = try? JSONParser.parse(bytes) {
            XCTAssertEqual(try? JSONParser.parse(value.serialized), value, label())
        }
        bytes.withUnsafeBytes { buffer in
            guard FileLayout.detect(buffer) == .jsonLines else {
                _ = try? RecordLoader.load(bytes: buffer, name: "fuzz")
                return
            }
            var lines = 0
            JSONLines.forEachLine(in: buffer) { _, _ in lines += 1 }
            if let file = try? RecordLoader.load(bytes: buffer, name: "fuzz") {
                XCTAssertEqual(file.records.count + file.problems.count, lines, label())
            }
        }
    }

    func testRandomBytesNeverCrash() {
        var random = TaskRandom(seed: seed(), stream: 0, salt: 0)
        for iteration in 0..<10_000 {
            let length = random.below(200)
            let bytes = (0..<length).map { _ in
                random.below(3) == 0 ? UInt8(random.below(256)) : interesting[random.below(interesting.count)]
            }
            check(bytes, "random input \(iteration)")
        }
    }

    func testMutatedFixturesNeverCrash() throws {
        let seed = seed()
        var random = TaskRandom(seed: seed, stream: 0, salt: 0)
        let corpus = try corpus()
        var parsedAfterMutation = 0
        for iteration in 0..<10_000 {
            let bytes = mutate(corpus[random.below(corpus.count)], &random)
            if bytes.withUnsafeBytes({ (try? RecordLoader.load(bytes: $0, name: "fuzz"))?.records.isEmpty == false }) {
                parsedAfterMutation += 1
            }
            check(bytes, "mutation \(iteration), seed \(seed)")
        }
        // Mutations that destroy every record would leave the record decoders untested.
        XCTAssertGreaterThan(parsedAfterMutation, 1000)
    }
}
