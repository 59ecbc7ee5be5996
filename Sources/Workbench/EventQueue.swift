import Foundation
import Training

/// What background threads tell the UI thread.
public enum WorkbenchEvent: Sendable {
    case trainer(job: Int, TrainerEvent)
    case jobStarted(job: Int, path: String)
    case jobEnded(job: Int, state: RunState)
    case jobFailedToStart(job: Int, message: String)
    case dataProgress(generation: Int, String)
    case dataLoaded(generation: Int, DataSnapshot)
    case dataFailed(generation: Int, String)
}

/// The lock-protected queue between training (and loading) threads and the UI thread, which drains it once a
/// frame. Pushing never blocks on the UI: a trainer's step is never held up by drawing.
public final class EventQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [WorkbenchEvent] = []

    public init() {}

    public func push(_ event: WorkbenchEvent) { lock.withLock { items.append(event) } }

    public func drain() -> [WorkbenchEvent] {
        lock.withLock {
            defer { items.removeAll(keepingCapacity: true) }
            return items
        }
    }

    public var isEmpty: Bool { lock.withLock { items.isEmpty } }
}
