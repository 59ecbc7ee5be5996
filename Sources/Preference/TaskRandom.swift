import Determinism

/// The built-in tasks' random source: SplitMix64 with our own bounded draws.
///
/// The standard library's `random(in:using:)` may change its algorithm between Swift releases; a task must
/// produce the same text from the same seed on every toolchain, so every draw is defined here.
struct TaskRandom {
    private var source: SplitMix64

    /// A stream for item `index` of a task, independent of how many items were drawn before it, so that the
    /// first n items of a larger request equal a request for n.
    init(seed: UInt64, stream: UInt64, salt: UInt64) {
        var first = SplitMix64(seed: seed)
        source = SplitMix64(seed: first.next() ^ stream &* 0xD6E8_FEB8_6659_FD93 ^ salt &* 0xA076_1D64_78BD_642F)
        _ = source.next()
    }

    mutating func next() -> UInt64 { source.next() }

    /// Uniform in 0..<n (the modulo bias is below 2⁻⁵⁰ for the small n used here).
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    mutating func chance(_ probability: Double) -> Bool { unit() < probability }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}
