import Foundation

/// The one writer of a run's `status.json`. Stages report where they stand as they go; writes are throttled to
/// one a second, and a heartbeat rewrites the newest position every few seconds whatever the run is doing (data
/// preparation, a long reference pass, a slow step), so a viewer tells a live run from a lost one by the heartbeat
/// alone. The final state names the stage and step the run really reached, after a stop or a failure too.
final class StatusReporter: @unchecked Sendable {
    static let heartbeatInterval = 3.0

    private let run: RunDirectory
    private let lock = NSLock()
    private var current: RunStatus
    private var written = 0.0
    private var finished = false
    private var timer: DispatchSourceTimer?

    init(run: RunDirectory, startedAt: Double) {
        self.run = run
        current = RunStatus(state: .queued, pid: getpid(), heartbeat: startedAt, startedAt: startedAt, stage: .prepare,
                            step: 0, totalSteps: 0)
    }

    /// Where the run stands now.
    var position: RunStatus { lock.withLock { current } }

    /// Records a new position; writes it when `force` or when the last write is a second old.
    func report(_ state: RunState, stage: Stage, step: Int, total: Int, force: Bool = false) throws {
        try lock.withLock {
            guard !finished else { return }
            current.state = state
            current.stage = stage
            current.step = step
            current.totalSteps = total
            let now = Date().timeIntervalSince1970
            if force || now - written >= 1 { try write(now: now) }
        }
    }

    /// Rewrites the newest position every `heartbeatInterval` seconds until `finish`.
    func startHeartbeat() {
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + Self.heartbeatInterval, repeating: Self.heartbeatInterval)
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            self.lock.withLock {
                let now = Date().timeIntervalSince1970
                if !self.finished, now - self.written >= Self.heartbeatInterval / 2 { try? self.write(now: now) }
            }
        }
        timer.resume()
        lock.withLock { self.timer = timer }
    }

    /// Writes the final state at the newest position and stops the heartbeat; later reports are ignored.
    func finish(_ state: RunState, message: String?) throws {
        try lock.withLock {
            timer?.cancel()
            timer = nil
            finished = true
            current.state = state
            current.message = message
            try write(now: Date().timeIntervalSince1970)
        }
    }

    private func write(now: Double) throws {
        current.heartbeat = now
        written = now
        try run.writeStatus(current)
    }
}
