/// Token embedding lookup: `out[t] = table[tokens[t]]`.
/// - Parameters:
///   - out: `(rows, channels)`, overwritten.
///   - tokens: `(rows)`, each in `0..<vocab` (checked by the caller).
///   - table: `(vocab, channels)`.
public func embeddingForward(
    _ out: UnsafeMutablePointer<Float>, _ tokens: UnsafePointer<Int32>, _ table: UnsafePointer<Float>,
    rows: Int, channels: Int
) {
    for t in 0..<rows {
        (out + t * channels).update(from: table + Int(tokens[t]) * channels, count: channels)
    }
}

/// Backward of `embeddingForward`: `dtable[tokens[t]] += dout[t]`. Sequential, since tokens repeat.
/// - Parameters:
///   - dtable: `(vocab, channels)`, accumulated.
///   - dout: `(rows, channels)`.
///   - tokens: `(rows)`.
public func embeddingBackward(
    _ dtable: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ tokens: UnsafePointer<Int32>,
    rows: Int, channels: Int
) {
    for t in 0..<rows {
        addInPlace(dtable + Int(tokens[t]) * channels, dout + t * channels, count: channels)
    }
}

/// `accumulator += addend`, elementwise over `count` floats; a residual stream's worth is split over the cores.
public func addInPlace(_ accumulator: UnsafeMutablePointer<Float>, _ addend: UnsafePointer<Float>, count: Int) {
    parallelChunks(count, minimumPerChunk: parallelStreamMinimum) { range in
        addSpan(accumulator + range.lowerBound, addend + range.lowerBound, count: range.count)
    }
}

@inline(__always)
private func addSpan(_ accumulator: UnsafeMutablePointer<Float>, _ addend: UnsafePointer<Float>, count: Int) {
    var i = 0
    while i + 8 <= count {
        store8(load8(accumulator, i) + load8(addend, i), accumulator, i)
        i += 8
    }
    while i < count {
        accumulator[i] += addend[i]
        i += 1
    }
}
