import Foundation
import Model

/// The runs pinned to the Charts screen (`P`), kept in the runs folder so they are still pinned when the workbench
/// opens that folder again, as a dashboard's pinned runs are. Paths inside the folder are stored relative to it, so
/// the pins move with the folder.
public enum PinnedRuns {
    public static let fileName = ".workbench-pins.json"

    /// The pins saved in `runsDirectory`; none when the file is missing or unreadable (pins are a convenience: a
    /// damaged file must not keep the workbench from opening).
    public static func load(runsDirectory: String) -> [RunID] {
        let root = URL(fileURLWithPath: runsDirectory)
        guard let data = try? Data(contentsOf: root.appendingPathComponent(fileName)),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let paths = object["pinned"] as? [String] else { return [] }
        return paths.map { .directory($0.hasPrefix("/") ? $0 : root.appendingPathComponent($0).path) }
    }

    /// Writes the pins into `runsDirectory` (atomically; the folder is created if needed). Queued runs have no
    /// directory yet and are not pinned.
    public static func save(_ pins: [RunID], runsDirectory: String) throws {
        let root = URL(fileURLWithPath: runsDirectory)
        let prefix = root.path + "/"
        let paths = pins.compactMap(\.path).map { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let data = try JSONSerialization.data(withJSONObject: ["pinned": paths],
                                              options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try AtomicFile.write(data, to: root.appendingPathComponent(fileName))
    }
}
