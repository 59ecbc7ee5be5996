import XCTest
@testable import Preference

final class DataStatisticsTests: XCTestCase {
    func testNearestRankQuantilesAndHistogram() {
        let distribution = LengthDistribution(Array(1...100), binCount: 10)
        XCTAssertEqual(distribution.p5, 5)
        XCTAssertEqual(distribution.p50, 50)
        XCTAssertEqual(distribution.p95, 95)
        XCTAssertEqual(distribution.max, 100)
        XCTAssertEqual(distribution.mean, 50.5)
        XCTAssertEqual(distribution.binWidth, 10)
        XCTAssertEqual(distribution.histogram, Array(repeating: 10, count: 10))
        XCTAssertEqual(LengthDistribution([7]).histogram, [1])
        XCTAssertEqual(LengthDistribution([]).count, 0)
    }

    private func pair(_ prompt: Int, _ chosen: Int, _ rejected: Int, line: Int) -> TokenizedPair {
        TokenizedPair(
            prompt: Array(repeating: 1, count: prompt), chosen: Array(repeating: 2, count: chosen),
            rejected: Array(repeating: 3, count: rejected), source: SourceLocation(file: "f", line: line))
    }

    func testLengthBiasDuplicatesAndTruncationCounts() {
        let pairs = [pair(4, 10, 5, line: 1), pair(4, 10, 5, line: 2), pair(30, 3, 3, line: 3), pair(8, 2, 6, line: 4)]
        let statistics = DatasetStatistics.compute(
            pairs: pairs, file: "f", format: .standard, unit: "tokens", tokenizer: "test",
            truncation: TruncationSettings(maxLength: 12, maxPromptLength: nil))
        let bias = statistics.lengthBias!
        XCTAssertEqual(bias.chosenLongerShare, 0.5)
        XCTAssertEqual(bias.equalShare, 0.25)
        XCTAssertEqual(bias.meanDifference, (5 + 5 + 0 - 4) / 4)
        XCTAssertEqual(statistics.exactDuplicates, 1)
        XCTAssertEqual(statistics.truncated, 3, "4 + 10 (twice) and 8 + 6 exceed 12")
        XCTAssertEqual(statistics.dropped, 1, "a 30-token prompt leaves no room")
        XCTAssertEqual(statistics.distributions.map(\.name), ["prompt", "chosen", "rejected"])
        XCTAssertEqual(statistics.distributions[1].distribution.max, 10)

        let text = statistics.formatted()
        XCTAssertTrue(
            text.contains("length bias: chosen longer than rejected in 50.0% of pairs (equal in 25.0%), "
                + "mean chosen - rejected = +1.5 tokens"), text)
        XCTAssertTrue(text.contains("truncation (max_length 12, max_prompt_length none, keep_end): 3 truncated, 1 dropped"))
        XCTAssertTrue(text.contains("exact duplicates: 1"))
    }

    func testUnpairedDataHasNoLengthBiasLine() {
        let examples = [
            TokenizedExample(prompt: [1], completion: [2, 2], isDesirable: true, source: SourceLocation(file: "f", line: 1)),
            TokenizedExample(prompt: [1], completion: [3], isDesirable: false, source: SourceLocation(file: "f", line: 2)),
        ]
        let statistics = DatasetStatistics.compute(
            pairs: [], unpaired: examples, file: "f", format: .unpaired, unit: "tokens", tokenizer: "test",
            truncation: .none)
        XCTAssertNil(statistics.lengthBias)
        XCTAssertEqual(statistics.distributions.map(\.name), ["prompt", "desirable", "undesirable"])
        XCTAssertFalse(statistics.formatted().contains("length bias"))
    }
}
