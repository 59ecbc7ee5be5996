import Foundation

/// The committed preference fixtures, found next to this file so tests never read outside the repository.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/preference")

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }
}
