import Foundation

/// The lifecycle of a run as other processes see it in `status.json`.
public enum RunState: String, Sendable, Codable, CaseIterable {
    case queued, running, paused, finished, failed, stopped

    public var isActive: Bool { self == .running || self == .paused || self == .queued }
}

/// What a run is doing; the step counts of `status.json` and of checkpoints refer to it.
public enum Stage: String, Sendable, Codable, CaseIterable {
    /// Reading data, training the tokenizer, building the model.
    case prepare
    case sft
    /// The reference model's log-probs (steps are micro-batches).
    case reference
    /// Sampling the pairs of an offline method that makes its own (RSO; steps are prompts).
    case sample
    /// The preference stage, whatever its loss.
    case dpo
    /// A reward-model run (`dpo reward train`), from its preparation to its final model.
    case reward
}

/// `status.json`: enough for a workbench in another process to show a run and to tell a live one from one whose
/// process died (its heartbeat stops advancing).
public struct RunStatus: Sendable, Codable, Equatable {
    public var state: RunState
    public var pid: Int32
    /// Seconds since 1970 of the last sign of life; refreshed at least every few seconds while running.
    public var heartbeat: Double
    public var startedAt: Double
    public var stage: Stage
    public var step: Int
    public var totalSteps: Int
    public var message: String?

    public init(state: RunState, pid: Int32, heartbeat: Double, startedAt: Double, stage: Stage, step: Int,
                totalSteps: Int, message: String? = nil) {
        self.state = state
        self.pid = pid
        self.heartbeat = heartbeat
        self.startedAt = startedAt
        self.stage = stage
        self.step = step
        self.totalSteps = totalSteps
        self.message = message
    }

    enum CodingKeys: String, CodingKey {
        case state, pid, heartbeat, stage, step, message
        case startedAt = "started_at"
        case totalSteps = "total_steps"
    }

    /// A run marked active whose heartbeat is older than `timeout` seconds has lost its process.
    public func isStale(now: Double, timeout: Double = 30) -> Bool { state.isActive && now - heartbeat > timeout }
}
