import Tokenizer
import XCTest
@testable import Preference

/// The prompt/completion join, with a real byte-level BPE whose merges would cross it.
final class TokenBoundaryTests: XCTestCase {
    /// "sunshine" is frequent enough to become one token, so encoding the joined text would swallow the boundary
    /// between the prompt's "sun" and the completion's "shine".
    private static let tokenizer = BPETokenizer.train(
        corpus: Array(repeating: "I like sunshine today. The sun and the shine of sunshine.", count: 50)
            + ["What color is the sky? It is blue on a clear day."],
        vocabularySize: 400, specialTokens: ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])

    private var tokenizer: BPETokenizer { Self.tokenizer }

    func testCompletionTokensStartExactlyAtTheBoundary() throws {
        let prompt = "I like sun"
        let completion = "shine today."
        let whole = tokenizer.encode(prompt + completion)
        XCTAssertTrue(
            whole.contains { tokenizer.decode([$0]).contains("sunshine") },
            "precondition: the joined text merges across the boundary")

        let pair = try PairEncoder(encoder: tokenizer, chatTemplate: .chatML(defaultSystem: nil)).encode(
            PreferencePair(
                prompt: .text(prompt), chosen: .text(completion), rejected: .text("s are hot."),
                source: SourceLocation(file: "test", line: 1)))
        let eos = try XCTUnwrap(tokenizer.eosTokenId)
        XCTAssertEqual(pair.prompt, tokenizer.encode(prompt))
        XCTAssertEqual(pair.chosen, tokenizer.encode(completion) + [eos])
        XCTAssertEqual(tokenizer.decode(pair.prompt), prompt)
        XCTAssertTrue(completion.hasPrefix(tokenizer.decode([pair.chosen[0]])), "first completion token starts the completion")
        XCTAssertEqual(tokenizer.decode(pair.prompt + pair.chosen.dropLast()), prompt + completion)
        XCTAssertNotEqual(pair.prompt + pair.chosen.dropLast(), whole)
        XCTAssertEqual(pair.rejected.last, eos)
    }

    func testChatCompletionIsTheReplyAndItsEndOfTurn() throws {
        let pair = try PairEncoder(encoder: tokenizer, chatTemplate: .chatML(defaultSystem: nil)).encode(
            PreferencePair(
                prompt: .messages([ChatMessage(role: "user", content: "What color is the sky?")]),
                chosen: .messages([ChatMessage(role: "assistant", content: "It is blue on a clear day.")]),
                rejected: .messages([ChatMessage(role: "assistant", content: "Green.")]),
                source: SourceLocation(file: "test", line: 1)))
        XCTAssertEqual(
            tokenizer.decode(pair.prompt), "<|im_start|>user\nWhat color is the sky?<|im_end|>\n<|im_start|>assistant\n")
        XCTAssertEqual(tokenizer.decode(pair.chosen), "It is blue on a clear day.<|im_end|>\n")
        XCTAssertTrue(pair.chosen.contains(try XCTUnwrap(tokenizer.id(of: "<|im_end|>"))))
        XCTAssertEqual(tokenizer.decode(pair.rejected), "Green.<|im_end|>\n")
    }

    func testHumanAssistantChatGetsEOSBecauseTheTemplateHasNoEndOfTurn() throws {
        let encoder = PairEncoder(encoder: tokenizer, chatTemplate: .humanAssistant)
        let example = try encoder.encode(
            UnpairedExample(
                prompt: .messages([ChatMessage(role: "user", content: "Hi")]),
                completion: .messages([ChatMessage(role: "assistant", content: "Hello.")]), isDesirable: true,
                source: SourceLocation(file: "test", line: 1)))
        XCTAssertEqual(tokenizer.decode(example.prompt), "\n\nHuman: Hi\n\nAssistant:")
        XCTAssertEqual(example.completion, tokenizer.encode(" Hello.") + [try XCTUnwrap(tokenizer.eosTokenId)])
    }
}
