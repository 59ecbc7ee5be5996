import Determinism
import Foundation
import TestSupport
import XCTest
@testable import Training

/// RSO's statistical rejection sampling (Liu et al. 2024, Algorithm 1) and its pairings.
final class RSOTests: XCTestCase {
    /// On a fixed reward table, the first round accepts candidate i with probability exp((rᵢ − r_max)/β): over
    /// 20,000 seeded trials each frequency lies within 4 standard errors of it, and the best is always kept; asking
    /// for all of them ends with all of them.
    func testFirstRoundAcceptanceMatchesAlgorithm1() {
        let rewards = [0.2, 0.9, 0.5, 0.75, 0.1]
        let sampler = RejectionSampler(beta: 0.2)
        let expected = rewards.map { exp(($0 - 0.9) / 0.2) }
        var generator = SplitMix64(seed: testSeed(#function, default: 0x5A5A))
        var acceptedInFirstRound = [Int](repeating: 0, count: rewards.count)
        let trials = 20_000
        for _ in 0..<trials {
            let first = sampler.round(Array(rewards.indices), rewards: rewards, wanted: rewards.count, using: &generator)
            for index in first.accepted { acceptedInFirstRound[index] += 1 }
            XCTAssertEqual(first.proposals, rewards.count)
        }
        var whole = SplitMix64(seed: 11)
        XCTAssertEqual(Set(sampler.sample(rewards: rewards, count: rewards.count, using: &whole).accepted), Set(rewards.indices))
        for (index, probability) in expected.enumerated() {
            let frequency = Double(acceptedInFirstRound[index]) / Double(trials)
            let standardError = (probability * (1 - probability) / Double(trials)).squareRoot()
            XCTAssertEqual(frequency, probability, accuracy: 4 * standardError + 1e-12, "candidate \(index)")
        }
        XCTAssertEqual(acceptedInFirstRound[1], trials, "the best has probability 1")
    }

    /// Fewer wanted than candidates: exactly that many, distinct, and a tiny β keeps only the best ones.
    func testSmallBetaKeepsTheBest() {
        var generator = SplitMix64(seed: 3)
        let rewards = [0.1, 0.8, 0.3, 0.95, 0.5, 0.7]
        let (accepted, proposals) = RejectionSampler(beta: 1e-6).sample(rewards: rewards, count: 3, using: &generator)
        XCTAssertEqual(accepted, [3, 1, 5], "the three best, each the maximum of its round")
        XCTAssertGreaterThanOrEqual(proposals, 3)
    }

    /// Four samples: first-round pairs (0,1) and (2,3); the tournament adds the final between the winners.
    func testFirstRoundAndTournamentPairs() {
        let rewards = [0.4, 0.6, 0.9, 0.1]
        XCTAssertEqual(PairRanking.firstRound.pairs(rewards: rewards).map { [$0.chosen, $0.rejected] }, [[1, 0], [2, 3]])
        XCTAssertEqual(PairRanking.tournament.pairs(rewards: rewards).map { [$0.chosen, $0.rejected] }, [[1, 0], [2, 3], [2, 1]])
        XCTAssertEqual(PairRanking.tournament.pairs(rewards: Array(repeating: 0.5, count: 8)).count, 7, "k − 1 pairs")
    }

    /// The DPO paper's six pairs from four samples, higher reward chosen; a tie makes no pair.
    func testAllPairs() {
        let pairs = PairRanking.allPairs.pairs(rewards: [0.4, 0.6, 0.9, 0.1]).map { [$0.chosen, $0.rejected] }
        XCTAssertEqual(pairs, [[1, 0], [2, 0], [0, 3], [2, 1], [1, 3], [2, 3]])
        XCTAssertEqual(PairRanking.allPairs.pairs(rewards: [0.5, 0.2, 0.5]).map { [$0.chosen, $0.rejected] }, [[0, 1], [2, 1]])
    }
}
