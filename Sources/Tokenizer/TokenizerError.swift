import Foundation

/// Why a tokenizer file or chat template could not be used. The message names the file, the JSON path and what was
/// found, so a user can tell a corrupt download from a tokenizer form this package does not implement.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
    /// The file is not valid JSON or lacks something every tokenizer needs (e.g. `model.vocab`).
    case malformed(String)
    /// Valid, but uses a component this byte-level BPE implementation does not have (another model, a normalizer,
    /// an unknown split pattern).
    case unsupported(String)
    /// `ChatTemplate.detect` found neither a ChatML nor a Human/Assistant template; holds the template's start.
    case unknownChatTemplate(String)

    /// The same problem, said of `path` (the file it was found in).
    func inFile(_ path: String) -> TokenizerError {
        switch self {
        case .malformed(let message): .malformed("\(path): \(message)")
        case .unsupported(let message): .unsupported("\(path): \(message)")
        case .unknownChatTemplate: self
        }
    }

    public var description: String {
        switch self {
        case .malformed(let message): "malformed tokenizer: \(message)"
        case .unsupported(let message): "unsupported tokenizer: \(message)"
        case .unknownChatTemplate(let start): "unknown chat template (neither ChatML nor Human/Assistant): \(start)"
        }
    }
}

extension TokenizerError {
    /// Reads a tokenizer file, saying what is wrong with the path in words (Foundation's errors on Linux read
    /// "NSCocoaErrorDomain error 256").
    static func read(_ url: URL) throws -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw TokenizerError.malformed("\(url.path): no such file")
        }
        guard !isDirectory.boolValue else { throw TokenizerError.malformed("\(url.path) is a directory, not a file") }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw TokenizerError.malformed("cannot read \(url.path): not readable by this user")
        }
        return data
    }
}
