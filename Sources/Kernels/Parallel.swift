import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif

/// The number of cores our own loops split over (the machine has two; OpenBLAS uses the same count).
public let coreCount: Int = max(1, min(8, sysconfCores()))

private func sysconfCores() -> Int {
    #if canImport(Glibc)
    return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    #else
    return ProcessInfo.processInfo.activeProcessorCount
    #endif
}

/// Floats a memory-bound pass (a zero fill, an add) gives each core at the least: 256 KB, tens of microseconds,
/// well above a hand-off's cost. Below twice this the pass stays on the calling thread.
public let parallelStreamMinimum = 1 << 16

/// Runs `body(range)` over `0..<count` split into contiguous chunks, one per core, in parallel: on the
/// `WorkerPool`, or through Dispatch when the pool is busy (a loop inside a loop, or on another thread).
/// Small loops (below `minimumPerChunk` items a chunk) run inline: a thread hand-off costs microseconds.
@inline(__always)
public func parallelChunks(_ count: Int, minimumPerChunk: Int = 1, _ body: (Range<Int>) -> Void) {
    let chunks = max(1, min(coreCount, count / max(1, minimumPerChunk)))
    if chunks == 1 {
        if count > 0 { body(0..<count) }
        return
    }
    let range: @Sendable (Int) -> Range<Int> = { chunk in count * chunk / chunks..<count * (chunk + 1) / chunks }
    if WorkerPool.shared.run(parts: chunks, { body(range($0)) }) { return }
    withoutActuallyEscaping(body) { body in
        let shared = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: chunks) { shared.value(range($0)) }
    }
}

/// Runs `body(item)` for each of `count` independent items (unequal sizes) spread dynamically over the cores
/// (each core takes the next item when it is free), with OpenBLAS held to one thread meanwhile so that BLAS calls
/// inside `body` do not oversubscribe the cores.
public func parallelItems(_ count: Int, _ body: (Int) -> Void) {
    guard count > 1, coreCount > 1 else {
        for item in 0..<count { body(item) }
        return
    }
    let blasThreads = BLASThreads.count
    BLASThreads.set(1)
    let next = Atomic<Int>(0)
    let ran = WorkerPool.shared.run(parts: min(coreCount, count)) { _ in
        while case let item = next.add(1, ordering: .relaxed).oldValue, item < count { body(item) }
    }
    if !ran {
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: count) { shared.value($0) }
        }
    }
    BLASThreads.set(blasThreads)
}

/// Lets a closure over raw buffers cross into `concurrentPerform`. Safe here because every caller hands each
/// thread disjoint rows to write (documented at each kernel) and waits for all threads before returning.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
