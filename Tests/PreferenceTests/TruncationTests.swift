import XCTest
@testable import Preference

final class TruncationTests: XCTestCase {
    private let prompt: [Int32] = Array(1...10)
    private let chosen: [Int32] = Array(101...106)
    private let rejected: [Int32] = Array(201...203)

    func testWithinLimitsNothingChanges() throws {
        let fitted = try TruncationSettings(maxLength: 16, maxPromptLength: 10)
            .apply(prompt: prompt, completions: [chosen, rejected]).get()
        XCTAssertEqual(fitted.prompt, prompt)
        XCTAssertEqual(fitted.completions, [chosen, rejected])
        XCTAssertFalse(fitted.wasTruncated)
    }

    func testPromptKeepsTheEndOrTheStart() throws {
        let keepEnd = try TruncationSettings(maxLength: nil, maxPromptLength: 4, mode: .keepEnd)
            .apply(prompt: prompt, completions: [chosen]).get()
        XCTAssertEqual(keepEnd.prompt, [7, 8, 9, 10])
        XCTAssertTrue(keepEnd.wasTruncated)
        let keepStart = try TruncationSettings(maxLength: nil, maxPromptLength: 4, mode: .keepStart)
            .apply(prompt: prompt, completions: [chosen]).get()
        XCTAssertEqual(keepStart.prompt, [1, 2, 3, 4])
    }

    func testCompletionsKeepTheirStartToFitMaxLength() throws {
        let fitted = try TruncationSettings(maxLength: 14, maxPromptLength: nil)
            .apply(prompt: prompt, completions: [chosen, rejected]).get()
        XCTAssertEqual(fitted.prompt, prompt)
        XCTAssertEqual(fitted.completions, [[101, 102, 103, 104], rejected])
        XCTAssertTrue(fitted.wasTruncated)
    }

    func testPromptCutFirstThenCompletionsFitTheRest() throws {
        let fitted = try TruncationSettings(maxLength: 8, maxPromptLength: 5, mode: .keepEnd)
            .apply(prompt: prompt, completions: [chosen, rejected]).get()
        XCTAssertEqual(fitted.prompt, [6, 7, 8, 9, 10])
        XCTAssertEqual(fitted.completions, [[101, 102, 103], rejected])
    }

    func testAPromptFillingMaxLengthIsDropped() {
        for maxLength in [9, 10] {
            let result = TruncationSettings(maxLength: maxLength, maxPromptLength: nil)
                .apply(prompt: prompt, completions: [chosen])
            XCTAssertEqual(result, .failure(TruncationDrop(promptLength: 10, maxLength: maxLength)))
        }
        XCTAssertNoThrow(
            try TruncationSettings(maxLength: 11, maxPromptLength: nil).apply(prompt: prompt, completions: [chosen]).get())
    }

    func testDefaultsAreTRLs() {
        let defaults = TruncationSettings()
        XCTAssertEqual(defaults.maxLength, 1024)
        XCTAssertEqual(defaults.maxPromptLength, 512)
        XCTAssertEqual(defaults.mode, .keepEnd)
    }
}
