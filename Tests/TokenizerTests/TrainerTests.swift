import Foundation
import Tokenizer
import XCTest

/// BPE training: deterministic, exact vocabulary size, and the recorded result that Python loads (swift_trained).
final class TrainerTests: XCTestCase {
    static let specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

    /// The swift_trained fixture: 600 tokens on corpus.txt. Re-record with RECORD_TOKENIZER_FIXTURES=1, then run
    /// make_tokenizer_golden.py so Python's ids for it are recorded too. A fresh recording fails the test, so it
    /// never passes silently.
    func testMatchesRecordedTokenizer() throws {
        let trained = BPETokenizer.train(
            corpus: try Fixtures.corpus(), vocabularySize: 600, specialTokens: Self.specials, pattern: .gpt2)
        let url = Fixtures.tokenizerURL("swift_trained")
        if ProcessInfo.processInfo.environment["RECORD_TOKENIZER_FIXTURES"] != nil {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try trained.save(to: url)
            XCTFail("recorded \(url.path); now run make_tokenizer_golden.py, then the tests again")
            return
        }
        let recorded = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(
            sameScalars(trained.tokenizerJSON(), recorded),
            "training no longer reproduces swift_trained/tokenizer.json (re-record if the change is intended)")
    }

    /// On a corpus without special tokens this is `tokenizers`' BpeTrainer, token for token and merge for merge
    /// (hf_trainer was trained by it on the same lines). With special tokens in the corpus BpeTrainer counts their
    /// fragments (`<|`, `im`, `_start`…) as words; this trainer cuts them out first, on purpose.
    func testReproducesTokenizersTrainer() throws {
        let lines = try Fixtures.corpus().filter { !$0.contains("<|") }
        let trained = BPETokenizer.train(corpus: lines, vocabularySize: 600, specialTokens: Self.specials)
        XCTAssertTrue(sameScalars(trained.tokenizerJSON(), try Fixtures.tokenizer("hf_trainer").tokenizerJSON()))
    }

    func testVocabularySizeAndLayout() throws {
        let corpus = try Fixtures.corpus()
        for size in [259, 300, 512] {
            let tokenizer = BPETokenizer.train(corpus: corpus, vocabularySize: size, specialTokens: Self.specials)
            XCTAssertEqual(tokenizer.vocabularySize, size)
            XCTAssertEqual(Self.specials.map { tokenizer.id(of: $0) }, [0, 1, 2])
            XCTAssertEqual(tokenizer.token(of: 3), "!")  // bytes follow in code-point order of their characters
            XCTAssertEqual(tokenizer.eosTokenId, 2)
            XCTAssertTrue(tokenizer.addedTokens.allSatisfy(\.special))
        }
        // Asking for fewer than specials + 256 still gives every byte.
        XCTAssertEqual(BPETokenizer.train(corpus: corpus, vocabularySize: 10, specialTokens: []).vocabularySize, 256)
    }

    func testDeterministicAndLossless() throws {
        let corpus = try Fixtures.corpus()
        let a = BPETokenizer.train(corpus: corpus, vocabularySize: 400, specialTokens: Self.specials, pattern: .llama3)
        let b = BPETokenizer.train(corpus: corpus, vocabularySize: 400, specialTokens: Self.specials, pattern: .llama3)
        XCTAssertEqual(a.tokenizerJSON(), b.tokenizerJSON())
        XCTAssertEqual(a.preTokenizerSteps.first, .split(.llama3))
        for line in corpus.prefix(200) + (try XCTUnwrap(Fixtures.golden).strings) {
            XCTAssertTrue(sameScalars(a.decode(a.encode(line)), line), line.debugDescription)
        }
        // Training pays off even with 141 merges: the corpus needs far fewer tokens than bytes.
        let text = corpus.prefix(200).joined(separator: "\n")
        XCTAssertLessThan(Double(a.encode(text).count), 0.7 * Double(text.utf8.count))
    }

    /// Special tokens in the corpus are cut out before counting, so no merge builds them from pieces.
    func testSpecialTokensTakeNoPartInMerges() throws {
        let corpus = Array(repeating: "<|im_start|>user<|im_end|>", count: 50)
        let tokenizer = BPETokenizer.train(corpus: corpus, vocabularySize: 280, specialTokens: Self.specials)
        XCTAssertEqual(tokenizer.vocabularySize, 262, "e·r, s·er, u·ser, then the corpus has no pairs left")
        XCTAssertEqual(tokenizer.encode(corpus[0]), [1, try XCTUnwrap(tokenizer.id(of: "user")), 2])
    }

    func testEmptyCorpus() {
        let tokenizer = BPETokenizer.train(corpus: [], vocabularySize: 1000, specialTokens: ["<|endoftext|>"])
        XCTAssertEqual(tokenizer.vocabularySize, 257)
        XCTAssertEqual(tokenizer.decode(tokenizer.encode("any text ✓")), "any text ✓")
    }
}
