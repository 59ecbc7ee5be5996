import Foundation
import TestSupport
import XCTest

/// `dpo --help` and every subcommand's help, at a fixed width, against the snapshots in `Tests/Fixtures/help/`
/// (`WORKBENCH_RECORD=1` re-records). The subcommands are read from the help itself, so a new one without a
/// snapshot fails here rather than going unseen.
final class HelpSnapshotTests: XCTestCase {
    func testEveryCommandsHelpMatchesItsSnapshot() throws {
        let directory = try makeTemporaryDirectory("dpo-help")
        defer { try? FileManager.default.removeItem(at: directory) }
        var pending: [[String]] = [[]]
        var seen: [String] = []
        while let command = pending.popLast() {
            let result = try DPOProcess.run(command + ["--help"], in: directory, environment: ["COLUMNS": "100"])
            let name = (["dpo"] + command).joined(separator: " ")
            XCTAssertEqual(result.status, 0, "\(name) --help: \(result.output)")
            seen.append(name)
            let snapshot = RepositoryPaths.fixture("help/\((["dpo"] + command).joined(separator: "-")).txt")
            if let mismatch = Snapshot.mismatch(result.output, snapshot: snapshot) { XCTFail("\(name): \(mismatch)") }
            pending += Self.subcommands(in: result.output).map { command + [$0] }
        }
        XCTAssertTrue(seen.contains("dpo train") && seen.contains("dpo data stats") && seen.contains("dpo bench journal"), "\(seen)")
        let recorded = try FileManager.default.contentsOfDirectory(atPath: RepositoryPaths.fixture("help").path)
        XCTAssertEqual(Set(recorded), Set(seen.map { $0.replacingOccurrences(of: " ", with: "-") + ".txt" }),
                       "a snapshot without a command, or a command without a snapshot")
    }

    /// The names listed under SUBCOMMANDS: (ArgumentParser indents each by two spaces, its text further).
    static func subcommands(in help: String) -> [String] {
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(of: "SUBCOMMANDS:") else { return [] }
        return lines[(start + 1)...].prefix { !$0.isEmpty }.compactMap { line in
            guard line.hasPrefix("  "), !line.hasPrefix("   ") else { return nil }
            return line.split(separator: " ").first.map(String.init)
        }
    }
}
