import Foundation
import TestSupport
import XCTest
@testable import Training

/// The append-only journals: whole lines only, a torn last line ignored and reported, truncation on resume.
final class JournalTests: XCTestCase {
    private var directory: URL!
    private var run: RunDirectory!

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory("dpo-journal")
        run = RunDirectory(url: directory)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private var metricsURL: URL { directory.appendingPathComponent(RunDirectory.metricsFile) }

    func testEachAppendWritesItsLineOnce() throws {
        var expectedBytes = 0
        for step in 1...300 {
            let record: [String: Any] = ["step": step, "loss": 0.5]
            expectedBytes += try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes]).count + 1
            try run.append(record, to: RunDirectory.metricsFile)
        }
        let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: metricsURL.path)[.size] as? Int)
        XCTAssertEqual(size, expectedBytes, "the file holds each line exactly once")
        XCTAssertEqual(try run.records(RunDirectory.metricsFile).compactMap { $0["step"] as? Int }, Array(1...300))
    }

    func testATornLastLineIsIgnoredAndCounted() throws {
        try run.append(["step": 1], to: RunDirectory.metricsFile)
        let handle = try FileHandle(forWritingTo: metricsURL)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"step\": 2, \"lo".utf8))
        try handle.close()
        let read = try run.read(RunDirectory.metricsFile)
        XCTAssertEqual(read.records.count, 1)
        XCTAssertEqual(read.tornBytes, 15)
        try run.truncateJournals(after: 10)
        XCTAssertEqual(try run.read(RunDirectory.metricsFile).tornBytes, 0, "resume drops the torn line")
        XCTAssertTrue(try String(contentsOf: directory.appendingPathComponent(RunDirectory.logFile), encoding: .utf8)
            .contains("ignored a torn last line of metrics.jsonl (15 bytes)"))
    }

    func testAMalformedLineBeforeTheLastIsAnErrorNamingFileAndLine() throws {
        try Data("{\"step\": 1}\nnot json\n{\"step\": 3}\n".utf8).write(to: metricsURL)
        XCTAssertThrowsError(try run.records(RunDirectory.metricsFile)) { error in
            XCTAssertTrue("\(error)".contains("\(metricsURL.path):2: not a JSON object"), "\(error)")
        }
    }

    func testTruncationKeepsEarlierStepsAndLaterAppendsFollowThem() throws {
        for step in 1...10 { try run.append(["step": step], to: RunDirectory.metricsFile) }
        try run.truncateJournals(after: 6)
        for step in 7...8 { try run.append(["step": step, "again": true], to: RunDirectory.metricsFile) }
        let records = try run.records(RunDirectory.metricsFile)
        XCTAssertEqual(records.compactMap { $0["step"] as? Int }, Array(1...8))
        XCTAssertEqual(records.last?["again"] as? Bool, true, "appends go to the truncated file, not the replaced one")
    }

    func testConcurrentAppendsGiveWholeLines() throws {
        let target = run!
        DispatchQueue.concurrentPerform(iterations: 400) { index in
            try? target.append(["step": index, "text": String(repeating: "x", count: index % 97)], to: RunDirectory.metricsFile)
        }
        XCTAssertEqual(Set(try run.records(RunDirectory.metricsFile).compactMap { $0["step"] as? Int }), Set(0..<400))
    }
}
