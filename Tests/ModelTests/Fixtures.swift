import Foundation

/// The repository's `Tests/Fixtures` folder, found from this file's path (tests never read outside the repository).
let fixturesDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
