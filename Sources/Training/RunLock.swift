import Foundation

/// `<run>/lock`, held with `flock` by the one process (and the one session in it) that trains the run, and naming
/// its pid. A second trainer of the same run, a resume of a live run, or two resumes at once are refused instead
/// of interleaving two writers in one directory. The kernel drops the lock when its holder dies, however it dies,
/// so a killed run is resumable at once.
public final class RunLock: @unchecked Sendable {
    private var descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    /// Takes the run's lock, or throws `RunLockError.held` naming the process that holds it.
    public static func acquire(_ run: RunDirectory) throws -> RunLock {
        let path = run.url.appendingPathComponent(RunDirectory.lockFile).path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw RunLockError.unavailable(path: path, reason: String(cString: strerror(errno)))
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            // A new holder writes its pid just after taking the lock: a pid that is not alive is the previous
            // holder's, read in between, so read again briefly.
            var holder = owner(descriptor)
            for _ in 0..<20 where holder.map({ kill($0, 0) != 0 }) ?? true {
                usleep(10_000)
                holder = owner(descriptor)
            }
            close(descriptor)
            throw RunLockError.held(run: run.url.path, pid: holder)
        }
        let text = Array("\(getpid())\n".utf8)
        if ftruncate(descriptor, 0) == 0 { _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) } }
        return RunLock(descriptor: descriptor)
    }

    /// Releases the lock (also done when the process ends).
    public func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }

    private static func owner(_ descriptor: Int32) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: bytes[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

public enum RunLockError: Error, CustomStringConvertible, Equatable {
    case held(run: String, pid: Int32?)
    case unavailable(path: String, reason: String)

    public var description: String {
        switch self {
        case .held(let run, let pid):
            let owner = pid.map { $0 == getpid() ? "this process (\($0))" : "process \($0)" } ?? "another process"
            return "\(run) is being trained by \(owner); stop it there first (x in its workbench, or kill -TERM)"
        case .unavailable(let path, let reason):
            return "cannot open the run's lock file \(path): \(reason)"
        }
    }
}
