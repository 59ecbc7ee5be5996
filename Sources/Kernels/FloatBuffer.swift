/// A heap block of Floats with a stable address, for parameters, gradients, optimizer state and activations.
/// It only grows (`reserve`), so a training loop that sees batches of similar size stops allocating after the
/// first steps.
public final class FloatBuffer {
    public private(set) var pointer: UnsafeMutablePointer<Float>
    public private(set) var capacity: Int

    public init(count: Int) {
        capacity = max(count, 1)
        pointer = .allocate(capacity: capacity)
        pointer.initialize(repeating: 0, count: capacity)
    }

    deinit { pointer.deallocate() }

    /// Makes room for `count` floats; the contents are unspecified after growth.
    public func reserve(_ count: Int) {
        guard count > capacity else { return }
        pointer.deallocate()
        capacity = count + count / 4
        pointer = .allocate(capacity: capacity)
        pointer.initialize(repeating: 0, count: capacity)
    }

    public func zero(_ count: Int? = nil) {
        pointer.update(repeating: 0, count: count ?? capacity)
    }

    public subscript(_ index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }

    public func array(_ count: Int) -> [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}
