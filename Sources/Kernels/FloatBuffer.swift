#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif

/// A heap block of Floats with a stable address, for parameters, gradients, optimizer state and activations.
/// It only grows (`reserve`), so a training loop that sees batches of similar size stops allocating after the
/// first steps.
public final class FloatBuffer {
    public private(set) var pointer: UnsafeMutablePointer<Float>
    public private(set) var capacity: Int

    public init(count: Int) {
        capacity = max(count, 1)
        pointer = Self.allocate(capacity)
        zero()
    }

    deinit { free(pointer) }

    /// Makes room for `count` floats. A grown block is a new one, zeroed like `init`'s: the old contents are not kept.
    public func reserve(_ count: Int) {
        guard count > capacity else { return }
        free(pointer)
        capacity = count + count / 4
        pointer = Self.allocate(capacity)
        zero()
    }

    /// Memory for `count` floats, which `init` and `reserve` then zero over the cores (`zero`). Blocks of 2 MiB or
    /// more start on a 2 MiB boundary and ask for transparent huge pages (Linux's default policy gives them only to
    /// memory that asks): streaming a model's weights through 4 KiB pages missed the TLB every page, and the
    /// hardware prefetchers stop at every page boundary.
    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        let bytes = count * MemoryLayout<Float>.stride
        let hugePage = 2 << 20
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, bytes >= hugePage ? hugePage : 64, bytes) == 0, let raw else {
            fatalError("out of memory allocating \(bytes) bytes")
        }
        #if os(Linux)
        if bytes >= hugePage { _ = madvise(raw, bytes, Int32(MADV_HUGEPAGE)) }
        #endif
        return raw.bindMemory(to: Float.self, capacity: count)
    }

    public func zero(_ count: Int? = nil) {
        let start = pointer
        parallelChunks(count ?? capacity, minimumPerChunk: parallelStreamMinimum) { range in
            // `initialize`, not `update`: a fresh block's floats are not yet initialized (for Float the two are alike).
            (start + range.lowerBound).initialize(repeating: 0, count: range.count)
        }
    }

    public subscript(_ index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }

    public func array(_ count: Int) -> [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}
