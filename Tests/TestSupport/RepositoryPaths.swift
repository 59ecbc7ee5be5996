import Foundation

/// Where the committed test inputs are, found from this file's place so tests never read outside the repository.
public enum RepositoryPaths {
    /// The repository's root folder.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// `Tests/Fixtures/`.
    public static let fixtures = root.appendingPathComponent("Tests/Fixtures")

    public static func fixture(_ path: String) -> URL { fixtures.appendingPathComponent(path) }
}
