import Tokenizer
import XCTest
@testable import Preference

final class RecordLoaderTests: XCTestCase {
    private func pairs(_ name: String, format: RecordFormat? = nil) throws -> (RecordFile, [PreferencePair]) {
        let file = try RecordLoader.load(contentsOf: Fixtures.url(name), format: format)
        XCTAssertEqual(file.problems, [], name)
        let pairs = file.records.compactMap { record -> PreferencePair? in
            if case .pair(let pair) = record { return pair }
            return nil
        }
        XCTAssertEqual(pairs.count, file.records.count, name)
        return (file, pairs)
    }

    func testStandard() throws {
        let (file, pairs) = try pairs("standard.jsonl")
        XCTAssertEqual(file.format, .standard)
        XCTAssertEqual(file.layout, .jsonLines)
        XCTAssertEqual(pairs.count, 3)
        XCTAssertEqual(pairs[0].prompt, .text("The capital of France is"))
        XCTAssertEqual(pairs[0].chosen, .text(" Paris."))
        XCTAssertEqual(pairs[0].rejected, .text(" Lyon."))
        XCTAssertNil(pairs[0].system)
        XCTAssertEqual(pairs[2].system, "You answer in one word.")
        XCTAssertEqual(pairs[2].source.line, 3)
    }

    func testConversational() throws {
        let (file, pairs) = try pairs("conversational.jsonl")
        XCTAssertEqual(file.format, .conversational)
        XCTAssertEqual(pairs[0].prompt, .messages([ChatMessage(role: "user", content: "What color is the sky?")]))
        XCTAssertEqual(pairs[0].chosen, .messages([ChatMessage(role: "assistant", content: "It is blue on a clear day.")]))
        guard case .messages(let prompt) = pairs[1].prompt else { return XCTFail("expected messages") }
        XCTAssertEqual(prompt.map(\.role), ["system", "user", "assistant", "user"])
    }

    func testImplicitPromptSplitsAnthropicHHAtTheLastAssistantMarker() throws {
        let (file, pairs) = try pairs("implicit_prompt_hh.jsonl")
        XCTAssertEqual(file.format, .implicitPrompt)
        XCTAssertEqual(
            pairs[0].prompt,
            .text(
                "\n\nHuman: How do I boil an egg?\n\nAssistant: Put it in boiling water for about nine minutes."
                    + "\n\nHuman: And then?\n\nAssistant:"))
        XCTAssertEqual(pairs[0].chosen, .text(" Cool it in cold water so it peels easily."))
        XCTAssertEqual(pairs[0].rejected, .text(" Eat it."))
        // The two answers share "Mars is a ", yet the split stays at the marker, as the DPO authors' code does.
        XCTAssertEqual(pairs[1].prompt, .text("\n\nHuman: Name a planet.\n\nAssistant:"))
        XCTAssertEqual(pairs[1].chosen, .text(" Mars is a planet."))
    }

    func testImplicitPromptInAJSONArrayUsesTheLongestCommonPrefix() throws {
        let (file, pairs) = try pairs("implicit_prompt_plain.json")
        XCTAssertEqual(file.layout, .jsonArray)
        XCTAssertEqual(pairs.map(\.source.line), [2, 3, 7])
        XCTAssertEqual(pairs[0].prompt, .text("Translate 'chat': "))
        XCTAssertEqual(pairs[0].chosen, .text("cat"))
        // é and è share their first UTF-8 byte; the split must not cut the character.
        XCTAssertEqual(pairs[1].prompt, .text("Accent: "))
        XCTAssertEqual(pairs[1].chosen, .text("é"))
        XCTAssertEqual(pairs[1].rejected, .text("è"))
        XCTAssertEqual(pairs[2].prompt, .messages([ChatMessage(role: "user", content: "Hi")]))
        XCTAssertEqual(pairs[2].rejected, .messages([ChatMessage(role: "assistant", content: "What.")]))
    }

    func testOpenAIPreferenceFormat() throws {
        let (file, pairs) = try pairs("openai.jsonl")
        XCTAssertEqual(file.format, .openAI)
        XCTAssertEqual(pairs[0].prompt, .messages([ChatMessage(role: "user", content: "Say hello in Spanish.")]))
        XCTAssertEqual(pairs[0].chosen, .messages([ChatMessage(role: "assistant", content: "Hola.")]))
        XCTAssertEqual(pairs[1].rejected, .messages([ChatMessage(role: "assistant", content: "The Atlantic, probably.")]))
    }

    func testUnpairedFormat() throws {
        let file = try RecordLoader.load(contentsOf: Fixtures.url("unpaired.jsonl"))
        XCTAssertEqual(file.format, .unpaired)
        let examples = file.records.compactMap { record -> UnpairedExample? in
            if case .unpaired(let example) = record { return example }
            return nil
        }
        XCTAssertEqual(examples.map(\.isDesirable), [true, false, true])
        XCTAssertEqual(examples[1].completion, .text(" Lyon."))
        XCTAssertEqual(examples[2].completion, .messages([ChatMessage(role: "assistant", content: "Yes.")]))
    }

    func testEachBadInputNamesFileLineAndField() throws {
        let file = try RecordLoader.load(contentsOf: Fixtures.url("bad.jsonl"))
        let path = Fixtures.url("bad.jsonl").path
        XCTAssertEqual(file.records.map(\.source.line), [1, 8, 9])
        XCTAssertEqual(file.problems.map(\.line), [2, 3, 4, 5, 6, 7])
        XCTAssertEqual(
            file.problems.map(\.kind),
            [.invalidJSON, .missingField, .wrongType, .invalidUTF8, .emptyCompletion, .identicalCompletions])
        XCTAssertEqual(file.problems.map(\.field), [nil, "rejected", "chosen", nil, "chosen", "rejected"])
        XCTAssertEqual(file.problems[0].description, "\(path):2:59: invalid JSON: unexpected end of input inside an object")
        XCTAssertEqual(file.problems[2].description, "\(path):4: wrong type: field `chosen`: expected a string, found a number")
        XCTAssertEqual(file.problems[3].column, 40)
        XCTAssertTrue(file.problems[3].description.contains("invalid UTF-8"))
    }

    func testFormatOverrideReadsRecordsThatWay() throws {
        let file = try RecordLoader.load(contentsOf: Fixtures.url("standard.jsonl"), format: .unpaired)
        XCTAssertEqual(file.records, [])
        XCTAssertEqual(Set(file.problems.map(\.field)), ["label"])
    }

    func testUnknownKeysStopWithTheKeysFound() {
        let text = #"{"question": "q", "answer": "a"}"#
        XCTAssertThrowsError(
            try Array(text.utf8).withUnsafeBytes { try RecordLoader.load(bytes: $0, name: "x.jsonl") }
        ) { error in
            let problem = error as? DataProblem
            XCTAssertEqual(problem?.kind, .unknownFormat)
            XCTAssertTrue(problem?.detail.contains("keys `answer`, `question`") ?? false, "\(error)")
        }
    }

    func testEmptyFileHasNoRecords() {
        XCTAssertThrowsError(try [UInt8]("\n\n".utf8).withUnsafeBytes { try RecordLoader.load(bytes: $0, name: "e") }) {
            XCTAssertEqual(($0 as? DataProblem)?.kind, .noRecords)
        }
    }
}

extension RecordLoaderTests {
    func testANonObjectLineIsAProblemNotTheFormat() throws {
        let text = "42\n{\"prompt\": \"p\", \"chosen\": \" a\", \"rejected\": \" b\"}\n"
        let file = try Array(text.utf8).withUnsafeBytes { try RecordLoader.load(bytes: $0, name: "m.jsonl") }
        XCTAssertEqual(file.format, .standard)
        XCTAssertEqual(file.records.map(\.source.line), [2])
        XCTAssertEqual(file.problems.map(\.kind), [.wrongType])
        XCTAssertEqual(file.problems.first?.description, "m.jsonl:1: wrong type: expected an object, found a number")
    }
}
