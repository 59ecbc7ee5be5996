import Foundation

/// Requests to a running trainer from other threads (the workbench) or from signal handlers (the command line).
/// The trainer checks them between optimizer steps: a stop writes a checkpoint and marks the run `stopped`.
public final class RunControl: @unchecked Sendable {
    private let lock = NSLock()
    private var stop = false
    private var pause = false

    public init() {}

    public var stopRequested: Bool { lock.withLock { stop } }
    public var pauseRequested: Bool { lock.withLock { pause } }

    public func requestStop() { lock.withLock { stop = true } }
    public func setPaused(_ paused: Bool) { lock.withLock { pause = paused } }
}

/// What a trainer reports as it goes: the command line prints these, the workbench draws them, and the same
/// facts land in the run directory.
public enum TrainerEvent: Sendable {
    case log(String)
    case stage(name: String, totalSteps: Int)
    case metrics(stage: String, step: Int, values: [String: Double])
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
