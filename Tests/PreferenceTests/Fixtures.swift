import Foundation
import TestSupport

/// The committed preference fixtures, found next to this file so tests never read outside the repository.
enum Fixtures {
    static let directory = RepositoryPaths.fixture("preference")

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }
}
