import Foundation

/// Text compared with a committed snapshot file. `WORKBENCH_RECORD=1` re-records every snapshot (screens, help);
/// a recorded or missing snapshot is reported as a failure, so no snapshot ever passes unseen.
public enum Snapshot {
    /// Nil when `text` equals the snapshot at `url`; otherwise why not (the first differing line, or "recorded").
    public static func mismatch(_ text: String, snapshot url: URL) -> String? {
        let record = ProcessInfo.processInfo.environment["WORKBENCH_RECORD"] != nil
        let existing = try? String(contentsOf: url, encoding: .utf8)
        if record || existing == nil {
            try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? text.write(to: url, atomically: true, encoding: .utf8)
            return "recorded \(url.lastPathComponent): check it, then run again without WORKBENCH_RECORD"
        }
        guard let existing, existing != text else { return nil }
        let old = existing.split(separator: "\n", omittingEmptySubsequences: false)
        let new = text.split(separator: "\n", omittingEmptySubsequences: false)
        let first = (0..<min(old.count, new.count)).first { old[$0] != new[$0] } ?? min(old.count, new.count)
        return """
            \(url.lastPathComponent) differs from line \(first + 1):
            expected: \(first < old.count ? String(old[first]) : "<end>")
            actual:   \(first < new.count ? String(new[first]) : "<end>")
            (WORKBENCH_RECORD=1 re-records after a deliberate change)
            """
    }
}
