import Determinism
import Foundation

/// The seed of a randomized test: `DPO_TEST_SEED` when set (to replay a failure), otherwise a fixed default (by
/// default derived from the test's name), so a clean run draws the same values on every machine and every run.
/// Every test prints the seed it used.
public func testSeed(_ test: String, default fallback: UInt64? = nil) -> UInt64 {
    let seed = ProcessInfo.processInfo.environment["DPO_TEST_SEED"].flatMap(UInt64.init) ?? fallback ?? nameHash(test)
    print("\(test): seed \(seed) (replay with DPO_TEST_SEED=\(seed))")
    return seed
}

/// FNV-1a of the name, folded to 32 bits so the printed seed is short.
private func nameHash(_ name: String) -> UInt64 {
    let hash = StableHash.of(name)
    return (hash ^ (hash >> 32)) & 0xFFFF_FFFF
}
