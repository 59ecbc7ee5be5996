/// The built-in tasks' random source: SplitMix64 with our own bounded draws.
///
/// The standard library's `random(in:using:)` may change its algorithm between Swift releases; a task must
/// produce the same text from the same seed on every toolchain, so every draw is defined here.
struct TaskRandom {
    private var state: UInt64

    /// A stream for item `index` of a task, independent of how many items were drawn before it, so that the
    /// first n items of a larger request equal a request for n.
    init(seed: UInt64, stream: UInt64, salt: UInt64) {
        state = seed
        state = next() ^ stream &* 0xD6E8_FEB8_6659_FD93 ^ salt &* 0xA076_1D64_78BD_642F
        _ = next()
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<n (the modulo bias is below 2⁻⁵⁰ for the small n used here).
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    mutating func chance(_ probability: Double) -> Bool { unit() < probability }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// FNV-1a over UTF-8: a hash that, unlike `Hasher`, is the same in every process, for assigning prompts to splits.
func stableHash(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x100_0000_01B3
    }
    return hash
}
