import Foundation

/// Requests to a running trainer from other threads (the workbench), from signal handlers (the command line), or
/// from other processes through the run's `stop_request` file (a workbench that does not own the run).
/// The trainer checks them between optimizer steps: a stop writes a checkpoint and marks the run `stopped`.
public final class RunControl: @unchecked Sendable {
    private let lock = NSLock()
    private var stop = false
    private var pause = false
    private var stopFile: String?

    public init() {}

    /// A stop is requested by a flag or by the file that `RunDirectory.requestStop` writes (one `stat` a check).
    public var stopRequested: Bool {
        let (flag, file) = lock.withLock { (stop, stopFile) }
        return flag || file.map { access($0, F_OK) == 0 } ?? false
    }

    /// Also obey `file`: its existence is a stop request.
    public func watch(stopFile file: URL) { lock.withLock { stopFile = file.path } }
    public var pauseRequested: Bool { lock.withLock { pause } }

    public func requestStop() { lock.withLock { stop = true } }
    public func setPaused(_ paused: Bool) { lock.withLock { pause = paused } }
}

/// What a trainer reports as it goes: the command line prints these, the workbench draws them, and the same
/// facts land in the run directory.
public enum TrainerEvent: Sendable {
    case log(String)
    case stage(Stage, totalSteps: Int)
    case metrics(stage: Stage, step: Int, values: [String: Double])
    case evaluation(step: Int, values: [String: Double])
    case samples(step: Int, count: Int)
    case checkpoint(step: Int, path: String)
    case state(RunState, message: String?)
}

/// Why training stopped early with an error the user must act on.
public struct TrainingError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
