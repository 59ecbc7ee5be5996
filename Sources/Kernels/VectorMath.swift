// Vectorized elementary functions. `Foundation.exp` is a scalar libm call per element; the log-softmax over a
// 4096-word vocabulary at every completion token and SiLU at every MLP unit need it eight lanes at a time.

/// e^x for eight lanes, Cephes' `expf` scheme: x = n·ln2 + r with |r| ≤ ln2/2, a degree-6 polynomial for e^r,
/// and 2^n put straight into the exponent bits. Relative error ≤ 2 ulp on [-87.3, 88.7]; inputs outside clamp
/// (so e^(-∞) gives ~1e-38 rather than 0, harmless in a sum of probabilities).
@inline(__always)
public func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    // `clamped(lowerBound:upperBound:)` compiles to generic per-lane calls; masked replacement vectorizes.
    var clamped = x
    clamped.replace(with: -87.33654, where: x .< -87.33654)
    clamped.replace(with: 88.72283, where: x .> 88.72283)
    // Adding 1.5·2²³ rounds to the nearest integer in the low mantissa bits: n as a Float and, from the same
    // bits, as an Int32. (`SIMD8<Int32>(_:rounding:)` and `rounded(_:)` compile to per-lane generic calls.)
    let magic: Float = 12_582_912
    let shifted = SIMD8(repeating: magic).addingProduct(clamped, 1.442_695_04)
    let n = shifted - magic
    // Fused multiply-adds (one instruction each where a separate multiply and add were two): the exponentials of
    // attention, the log-softmax and SiLU were several percent of a training step.
    let r = (clamped - n * 0.693_359_375).addingProduct(n, 2.121_944_4e-4)
    var p = SIMD8<Float>(repeating: 1.398_199_95e-3).addingProduct(r, 1.987_569_15e-4)
    p = SIMD8(repeating: 8.333_451_9e-3).addingProduct(p, r)
    p = SIMD8(repeating: 4.166_579_59e-2).addingProduct(p, r)
    p = SIMD8(repeating: 1.666_666_55e-1).addingProduct(p, r)
    p = SIMD8(repeating: 5.000_000_12e-1).addingProduct(p, r)
    p = r.addingProduct(p, r * r) + 1
    let scale = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
    return p * unsafeBitCast(scale, to: SIMD8<Float>.self)
}

/// The logistic function 1 / (1 + e^(-x)) for eight lanes.
@inline(__always)
public func sigmoid8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    1 / (1 + exp8(-x))
}

/// Loads eight floats from `pointer + offset`.
@inline(__always)
func load8(_ pointer: UnsafePointer<Float>, _ offset: Int) -> SIMD8<Float> {
    UnsafeRawPointer(pointer + offset).loadUnaligned(as: SIMD8<Float>.self)
}

/// Stores eight floats at `pointer + offset`.
@inline(__always)
func store8(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>, _ offset: Int) {
    UnsafeMutableRawPointer(pointer + offset).storeBytes(of: value, as: SIMD8<Float>.self)
}

/// Σ a ⊙ b over `count` floats, eight lanes of fused multiply-adds at a time.
@inline(__always)
public func dotProduct(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
    var lanes = SIMD8<Float>()
    var i = 0
    while i + 8 <= count {
        lanes.addProduct(load8(a, i), load8(b, i))
        i += 8
    }
    var total = lanes.sum()
    while i < count {
        total += a[i] * b[i]
        i += 1
    }
    return total
}

/// `values *= factor`, elementwise over `count` floats.
@inline(__always)
public func scale(_ values: UnsafeMutablePointer<Float>, _ count: Int, by factor: Float) {
    var i = 0
    while i + 8 <= count {
        store8(load8(values, i) * factor, values, i)
        i += 8
    }
    while i < count {
        values[i] *= factor
        i += 1
    }
}
