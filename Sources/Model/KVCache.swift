import Kernels

/// The rotated keys and the values of every position fed so far, per layer, for one sequence being generated.
///
/// Decoding one token needs the keys and values of all earlier positions at every layer; keeping them makes each
/// step cost one row of the model plus attention over the cache, instead of re-running the whole prefix.
/// Each key/value head's positions are contiguous (`(layers, kvHeads, capacity, headDim)`), so a decode step
/// streams one block of memory per head.
public final class KVCache {
    public let layers: Int
    public let kvHeads: Int
    public let headDim: Int
    /// Positions the cache can hold, fixed at creation: storage is allocated once.
    public let capacity: Int
    /// Positions stored so far; the next row fed to the model has this position.
    public internal(set) var count = 0

    /// `(layers, kvHeads, capacity, headDim)` each.
    let keys: FloatBuffer
    let values: FloatBuffer

    public init(config: TransformerConfig, capacity: Int) {
        precondition(capacity > 0, "a cache needs room for at least one position")
        layers = config.layers
        kvHeads = config.kvHeads
        headDim = config.headDim
        self.capacity = capacity
        keys = FloatBuffer(count: layers * kvHeads * capacity * headDim)
        values = FloatBuffer(count: layers * kvHeads * capacity * headDim)
    }

    /// `(kvHeads, capacity, headDim)`: one layer's keys.
    func keys(layer: Int) -> UnsafeMutablePointer<Float> { keys.pointer + layer * kvHeads * capacity * headDim }

    /// `(kvHeads, capacity, headDim)`: one layer's values.
    func values(layer: Int) -> UnsafeMutablePointer<Float> { values.pointer + layer * kvHeads * capacity * headDim }

    /// Copies the keys and values of `rows` fused query/key/value rows into positions `count ..< count + rows` of
    /// `layer` (the caller advances `count` once every layer has stored its rows).
    /// - Parameters:
    ///   - qkv: `(rows, shape.qkvStride)`, keys already rotated.
    func store(layer: Int, qkv: UnsafePointer<Float>, rows: Int, shape: AttentionShape) {
        precondition(count + rows <= capacity, "the cache holds \(capacity) positions")
        let kvDim = kvHeads * headDim
        let keyColumn = shape.outStride
        let layerKeys = keys(layer: layer), layerValues = values(layer: layer)
        for row in 0..<rows {
            let source = qkv + row * shape.qkvStride
            for head in 0..<kvHeads {
                let destination = (head * capacity + count + row) * headDim
                (layerKeys + destination).update(from: source + keyColumn + head * headDim, count: headDim)
                (layerValues + destination).update(from: source + keyColumn + kvDim + head * headDim, count: headDim)
            }
        }
    }
}
