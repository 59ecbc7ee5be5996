import Foundation

/// The seed of a randomized test: `DPO_TEST_SEED` when set (to replay a failure), otherwise the test's fixed
/// default, so a clean run is repeatable on every machine. Every test prints the seed it used.
public func testSeed(_ test: String, default fallback: UInt64) -> UInt64 {
    let seed = ProcessInfo.processInfo.environment["DPO_TEST_SEED"].flatMap(UInt64.init) ?? fallback
    print("\(test): seed \(seed) (replay with DPO_TEST_SEED=\(seed))")
    return seed
}
