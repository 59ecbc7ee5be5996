import Tokenizer
import XCTest
@testable import Preference

final class PreferenceDatasetTests: XCTestCase {
    private let bytes = ByteEncoder()
    private let eos: Int32 = 256

    private func text(_ ids: [Int32]) -> String {
        String(decoding: ids.filter { $0 < 256 }.map { UInt8($0) }, as: UTF8.self)
    }

    func testPlainTextCompletionsEndWithEOS() throws {
        let dataset = try PreferenceDataset.load(contentsOf: Fixtures.url("standard.jsonl"), encoder: bytes)
        let first = dataset.pairs[0]
        XCTAssertEqual(text(first.prompt), "The capital of France is")
        XCTAssertEqual(first.chosen, ByteEncoder().encode(" Paris.") + [eos])
        XCTAssertEqual(first.rejected.last, eos)
        XCTAssertEqual(text(dataset.pairs[2].prompt), "You answer in one word.\n\nOpposite of hot?")
        XCTAssertEqual(dataset.report.kept, 3)
        XCTAssertEqual(dataset.report.skipped, [])
    }

    func testConversationalCompletionIsTheAssistantTurnWithItsEndOfTurn() throws {
        let dataset = try PreferenceDataset.load(contentsOf: Fixtures.url("conversational.jsonl"), encoder: bytes)
        let pair = dataset.pairs[0]
        XCTAssertEqual(text(pair.prompt), "<|im_start|>user\nWhat color is the sky?<|im_end|>\n<|im_start|>assistant\n")
        XCTAssertEqual(text(pair.chosen), "It is blue on a clear day.<|im_end|>\n")
        XCTAssertNotEqual(pair.chosen.last, eos)
    }

    func testFailModeStopsAtTheFirstProblemAndCountsTheRest() {
        let settings = DatasetSettings(truncation: TruncationSettings(maxLength: 100, maxPromptLength: nil))
        XCTAssertThrowsError(
            try PreferenceDataset.load(contentsOf: Fixtures.url("bad.jsonl"), encoder: bytes, settings: settings)
        ) { error in
            let failure = error as? DataLoadError
            XCTAssertEqual(failure?.first.line, 2)
            XCTAssertEqual(failure?.others, 6)
            XCTAssertTrue("\(error)".contains("and 6 more problems"), "\(error)")
        }
    }

    func testSkipModeKeepsGoodRecordsAndReportsEverySkippedLine() throws {
        let settings = DatasetSettings(
            onError: .skip, truncation: TruncationSettings(maxLength: 100, maxPromptLength: nil))
        let dataset = try PreferenceDataset.load(
            contentsOf: Fixtures.url("bad.jsonl"), encoder: bytes, settings: settings)
        XCTAssertEqual(dataset.pairs.map(\.source.line), [1, 9])
        XCTAssertEqual(dataset.report.skipped.map(\.line), [2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual(dataset.report.skipped.last?.kind, .promptTooLong)
        XCTAssertEqual(dataset.report.skipped.last?.field, "prompt")
        XCTAssertEqual(dataset.report.dropped, 1)
        XCTAssertEqual(dataset.report.recordsRead, 3)
    }

    func testTruncationIsCountedPerDataset() throws {
        let settings = DatasetSettings(truncation: TruncationSettings(maxLength: 40, maxPromptLength: 24))
        let dataset = try PreferenceDataset.load(
            contentsOf: Fixtures.url("standard.jsonl"), encoder: bytes, settings: settings)
        XCTAssertEqual(dataset.report.truncated, 2)
        XCTAssertEqual(dataset.pairs[0].chosen.count, 8)
        XCTAssertEqual(dataset.pairs[1].prompt.count, 24)
        XCTAssertEqual(dataset.pairs[1].chosen.count, 40 - 24)
        XCTAssertEqual(text(dataset.pairs[2].prompt), String("You answer in one word.\n\nOpposite of hot?".suffix(24)))
    }

    func testUnpairedFilesBecomeTokenizedExamples() throws {
        let dataset = try PreferenceDataset.load(contentsOf: Fixtures.url("unpaired.jsonl"), encoder: bytes)
        XCTAssertEqual(dataset.pairs, [])
        XCTAssertEqual(dataset.unpaired.map(\.isDesirable), [true, false, true])
        XCTAssertEqual(text(dataset.unpaired[2].completion), "Yes.<|im_end|>\n")
    }

    func testAMissingFileIsOneProblem() {
        XCTAssertThrowsError(
            try PreferenceDataset.load(contentsOf: Fixtures.url("absent.jsonl"), encoder: bytes)
        ) { error in
            XCTAssertEqual((error as? DataLoadError)?.first.kind, .unreadableFile)
        }
    }
}
