import Dispatch
import Foundation
import Synchronization

/// Threads that stay awake for a moment between parallel loops. `DispatchQueue.concurrentPerform` takes ~8 µs to
/// wake its threads after a pause of 50 µs or more; these pick a loop up in about a microsecond. A batched decode
/// step runs a few hundred loops of 50–200 µs each, so the hand-offs were a fifth of generation's time.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool(workers: coreCount - 1)

    private let workers: Int
    /// Bumped once per loop; each worker runs part `worker + 1` of every loop.
    private let epoch = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let inUse = Atomic<Bool>(false)
    private let sleepers = Atomic<Int>(0)
    private let wake = DispatchSemaphore(value: 0)
    private var job: ((Int) -> Void)?
    /// How long an idle worker looks for the next loop before it sleeps: longer than the gap between two loops of
    /// a step, and yielding meanwhile, so that OpenBLAS's own threads get the core whenever they want it.
    private let spinNanoseconds: UInt64 = 50_000

    private init(workers: Int) {
        self.workers = workers
        for worker in 0..<workers { Thread { [self] in serve(worker) }.start() }
    }

    /// Runs `body(part)` for part 0 ..< parts (at most one per core) in parallel, part 0 on the calling thread,
    /// and returns true; returns false at once, running nothing, when the pool is already running a loop (a
    /// loop inside a loop, or loops on two threads at once) or `parts` exceeds the cores.
    func run(parts: Int, _ body: (Int) -> Void) -> Bool {
        guard parts <= workers + 1,
              inUse.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else { return false }
        withoutActuallyEscaping(body) { body in
            job = { part in if part < parts { body(part) } }
            finished.store(0, ordering: .relaxed)
            epoch.add(1, ordering: .releasing)
            for _ in 0..<sleepers.load(ordering: .acquiring) { wake.signal() }
            body(0)
            while finished.load(ordering: .acquiring) < workers { sched_yield() }
            job = nil
        }
        inUse.store(false, ordering: .releasing)
        return true
    }

    private func serve(_ worker: Int) {
        var seen = 0
        while true {
            var spinStart = DispatchTime.now().uptimeNanoseconds
            while epoch.load(ordering: .acquiring) == seen {
                sched_yield()
                guard DispatchTime.now().uptimeNanoseconds - spinStart > spinNanoseconds else { continue }
                // A loop posted after this count is seen re-checks `epoch` below; one posted before signals.
                sleepers.add(1, ordering: .acquiringAndReleasing)
                if epoch.load(ordering: .acquiring) == seen { wake.wait() }
                sleepers.subtract(1, ordering: .acquiringAndReleasing)
                spinStart = DispatchTime.now().uptimeNanoseconds
            }
            seen = epoch.load(ordering: .acquiring)
            job!(worker + 1)
            finished.add(1, ordering: .releasing)
        }
    }
}
