import Foundation

/// Files that are either wholly old or wholly new: the bytes go to a temporary file beside the target, are
/// flushed to disk (fsync), and the temporary file is renamed over the target, then the directory is flushed
/// so the rename itself survives a power cut. A crash, a signal or a full disk leaves the old file intact.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { descriptor in
            try data.withUnsafeBytes { try writeAll(descriptor, $0, path: url.path) }
        }
    }

    /// Writes through `produce`, which receives an open file descriptor to fill with `writeAll`.
    public static func write(to url: URL, _ produce: (Int32) throws -> Void) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw posixError("cannot create", temporary.path) }
        do {
            try produce(descriptor)
            guard fsync(descriptor) == 0 else { throw posixError("cannot flush", temporary.path) }
            close(descriptor)
        } catch {
            close(descriptor)
            unlink(temporary.path)
            throw error
        }
        guard rename(temporary.path, url.path) == 0 else {
            let error = posixError("cannot rename into place", url.path)
            unlink(temporary.path)
            throw error
        }
        let directoryDescriptor = open(directory.path, O_RDONLY)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    /// Writes every byte of `bytes`, retrying short writes; a full disk is an error, not a truncated file.
    public static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw posixError("cannot write", path)
            }
            offset += written
        }
    }

    static func posixError(_ what: String, _ path: String) -> Error {
        FileProblem(errno: errno, what: what, path: path)
    }
}

/// A failed file operation said the way a user acts on it: what happened, to which file ("disk full writing
/// runs/x/metrics.jsonl"), not a Foundation error domain and code.
public struct FileProblem: Error, CustomStringConvertible, Sendable {
    public let description: String

    private init(described: String) { description = described }

    public init(errno code: Int32, what: String, path: String) {
        switch code {
        case ENOSPC, EDQUOT: description = "disk full writing \(path)"
        case EFBIG: description = "file too large writing \(path)"
        case EACCES, EPERM: description = "permission denied: cannot \(what.replacingOccurrences(of: "cannot ", with: "")) \(path)"
        case EROFS: description = "read-only file system: cannot write \(path)"
        case ENOTDIR: description = "\(path): a part of this path is a file, not a directory"
        default: description = "\(what) \(path): \(String(cString: strerror(code)))"
        }
    }

    /// A Foundation file error (`Data(contentsOf:)`, `createDirectory`, …) said by its POSIX cause; Foundation's
    /// own text on Linux is "The operation could not be completed. (NSCocoaErrorDomain error 256.)".
    public init(_ what: String, _ path: String, _ error: Error) {
        if let problem = error as? FileProblem {
            self = problem
            return
        }
        let error = error as NSError
        let posix = [error, error.userInfo[NSUnderlyingErrorKey] as? NSError].compactMap { $0 }
            .first { $0.domain == NSPOSIXErrorDomain }
        var isDirectory: ObjCBool = false
        if let posix {
            self.init(errno: Int32(posix.code), what: what, path: path)
        } else if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            self.init(described: "\(path): no such file")
        } else if isDirectory.boolValue {
            self.init(described: "\(path) is a directory, not a file")
        } else {
            self.init(described: "\(what) \(path)")
        }
    }
}

/// A file's bytes mapped into memory (so a multi-gigabyte checkpoint costs no copy), or a `FileProblem` naming it.
public enum MappedFile {
    public static func read(_ url: URL) throws -> Data {
        do {
            return try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw FileProblem("cannot read", url.path, error)
        }
    }
}
