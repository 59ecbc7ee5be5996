import Foundation
import XCTest
@testable import Workbench

/// The training process's CPU, memory and threads as the Runs screen shows them.
final class ProcessStatsTests: XCTestCase {
    func testParsesLinuxProcFiles() throws {
        // The command may hold spaces and parentheses: fields are counted after the last ')'.
        let stat = "4242 (dpo (train) x) R 1 4242 4242 0 -1 4194304 1000 0 0 0 250 50 0 0 20 0 5 0 12345 1000000 25000"
        let status = "Name:\tdpo\nVmPeak:\t  999 kB\nVmRSS:\t  421888 kB\nThreads:\t5\n"
        let stats = try XCTUnwrap(ProcessStats.parse(stat: stat, status: status, ticksPerSecond: 100))
        XCTAssertEqual(stats.cpuSeconds, 3, "(250 + 50) ticks at 100 a second")
        XCTAssertEqual(stats.threads, 5)
        XCTAssertEqual(stats.residentBytes, 421_888 * 1024)
        XCTAssertNil(stats.cpuPercent, "one sample has no rate")
        XCTAssertNil(ProcessStats.parse(stat: "4242 dpo R 1", status: status, ticksPerSecond: 100))
        XCTAssertNil(ProcessStats.parse(stat: stat, status: "Name:\tdpo\n", ticksPerSecond: 100))
        var shown = stats
        shown.cpuPercent = 187.4
        XCTAssertEqual(shown.summary, "cpu 187% · rss 412 MB · 5 threads")
    }

    func testSamplesThisProcessAsARate() throws {
        var sampler = ProcessSampler()
        let start = Date().timeIntervalSince1970
        let first = try XCTUnwrap(sampler.sample(pid: getpid(), now: start))
        var x = 0.0
        while Date().timeIntervalSince1970 - start < 0.3 { x += sin(x) + 1 }
        XCTAssertEqual(sampler.sample(pid: getpid(), now: start + ProcessSampler.interval / 2), first, "read once per interval")
        let second = try XCTUnwrap(sampler.sample(pid: getpid(), now: start + ProcessSampler.interval))
        XCTAssertGreaterThan(x, 0)
        XCTAssertGreaterThan(second.cpuSeconds, first.cpuSeconds, "a busy loop spends CPU time")
        XCTAssertGreaterThan(try XCTUnwrap(second.cpuPercent), 0)
        XCTAssertGreaterThan(second.residentBytes, 0)
        XCTAssertGreaterThanOrEqual(second.threads, 1)
    }
}
