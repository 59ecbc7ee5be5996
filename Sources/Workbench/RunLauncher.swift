import Foundation
import Training

/// Runs of this workbench: each trains on its own thread (`TrainingSession.execute`), reporting through the
/// event queue; at most `maxConcurrent` at once (the machine's cores are shared), the rest wait in order.
/// Only the UI thread calls this type.
public final class RunLauncher {
    public enum Work: Sendable {
        case new(Experiment)
        case resume(URL)
    }

    public enum Phase: Sendable, Equatable {
        case pending, running, ended
    }

    public struct Job {
        public let id: Int
        public let work: Work
        public let name: String
        public let control = RunControl()
        public var path: String?
        public var phase = Phase.pending
    }

    public private(set) var jobs: [Job] = []
    public var maxConcurrent: Int
    let events: EventQueue
    private var nextID = 1

    public init(events: EventQueue, maxConcurrent: Int = 1) {
        self.events = events
        self.maxConcurrent = max(1, maxConcurrent)
    }

    /// Jobs not ended: queued or training.
    public var active: [Job] { jobs.filter { $0.phase != .ended } }
    public var pending: [Job] { jobs.filter { $0.phase == .pending } }

    @discardableResult
    public func enqueue(_ work: Work, name: String) -> Int {
        let id = nextID
        nextID += 1
        jobs.append(Job(id: id, work: work, name: name))
        return id
    }

    /// Starts waiting jobs while fewer than `maxConcurrent` train; returns whether one started.
    @discardableResult
    public func schedule() -> Bool {
        var started = false
        while jobs.filter({ $0.phase == .running }).count < maxConcurrent,
              let index = jobs.firstIndex(where: { $0.phase == .pending }) {
            jobs[index].phase = .running
            start(jobs[index])
            started = true
        }
        return started
    }

    private func start(_ job: Job) {
        let events = events, id = job.id, control = job.control, work = job.work
        let thread = Thread {
            let emit: @Sendable (TrainerEvent) -> Void = { events.push(.trainer(job: id, $0)) }
            do {
                let session: TrainingSession
                switch work {
                case .new(let experiment): session = try TrainingSession.create(experiment, control: control, emit: emit)
                case .resume(let url): session = try TrainingSession.reopen(url, control: control, emit: emit)
                }
                events.push(.jobStarted(job: id, path: session.run.url.standardizedFileURL.path))
                let state = session.execute()
                events.push(.jobEnded(job: id, state: state))
            } catch {
                events.push(.jobFailedToStart(job: id, message: "\(error)"))
            }
        }
        thread.name = "dpo-run-\(id)"
        thread.stackSize = 16 << 20
        thread.start()
    }

    /// Bookkeeping for the launcher's own events.
    public func note(_ event: WorkbenchEvent) {
        switch event {
        case .jobStarted(let id, let path):
            if let index = jobs.firstIndex(where: { $0.id == id }) { jobs[index].path = path }
        case .jobEnded(let id, _), .jobFailedToStart(let id, _):
            if let index = jobs.firstIndex(where: { $0.id == id }) { jobs[index].phase = .ended }
        default:
            break
        }
    }

    public func job(id: Int) -> Job? { jobs.first { $0.id == id } }
    public func job(path: String) -> Job? { jobs.last { $0.path == path } }

    /// Drops a queued job before it starts.
    public func cancel(id: Int) {
        if let index = jobs.firstIndex(where: { $0.id == id && $0.phase == .pending }) { jobs[index].phase = .ended }
    }

    /// Asks every training job to checkpoint and stop, and drops queued ones.
    public func stopAll() {
        for index in jobs.indices {
            switch jobs[index].phase {
            case .pending: jobs[index].phase = .ended
            case .running: jobs[index].control.requestStop()
            case .ended: break
            }
        }
    }
}
