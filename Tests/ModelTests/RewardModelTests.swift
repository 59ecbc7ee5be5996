import Determinism
import Foundation
import Kernels
import Model
import TestSupport
import XCTest

/// The reward model (a Llama with a scalar head on the last token): its Bradley–Terry gradient against finite
/// differences, prefix sharing against separate sequences, and the Hugging Face directory it saves.
final class RewardModelTests: XCTestCase {
    private let tiny = TransformerConfig(
        vocabSize: 11, hiddenSize: 8, intermediateSize: 12, layers: 2, heads: 2, kvHeads: 1, rmsNormEps: 1e-5,
        ropeTheta: 10_000, tieWordEmbeddings: false, maxPositions: 32, eosTokenId: 10)

    private func randomSequence(_ length: Int, _ g: inout SeededGenerator) -> [Int32] {
        (0..<length).map { _ in Int32(g.next() % 11) }
    }

    /// From an untied LM with weights and norm gains away from their usual values, so a gain bug would show.
    private func model(seed: UInt64) throws -> RewardModel {
        let lm = try Transformer(config: tiny)
        lm.initializeRandom(seed: seed, std: 0.3)
        var g = SeededGenerator(seed: seed ^ 0xABCD)
        for entry in lm.layout.tensors where entry.isNorm {
            for i in 0..<entry.count { lm.parameters[entry.offset + i] = 1 + 0.2 * g.nextNormal() }
        }
        return try RewardModel(languageModel: lm, padTokenId: 0, seed: seed, std: 0.5)
    }

    /// Two pairs sharing their prompts, and one without a prompt: chosen rows, then rejected rows.
    private func pairBatch(_ g: inout SeededGenerator) -> (batch: PackedBatch, chosen: [Int32], rejected: [Int32]) {
        var batch = PackedBatch()
        var chosen: [Int32] = [], rejected: [Int32] = []
        for promptLength in [3, 4, 0] {
            let rows = batch.appendWhole(prompt: randomSequence(promptLength, &g),
                                         completions: [randomSequence(3, &g), randomSequence(2, &g)])
            chosen.append(rows[0])
            rejected.append(rows[1])
        }
        return (batch, chosen, rejected)
    }

    /// −log σ(r_c − r_r) averaged over pairs, in Double, and its derivative per reward.
    private func bradleyTerry(_ rewards: [Float], pairs: Int) -> (loss: Double, dRewards: [Float]) {
        var loss = 0.0
        var d = [Float](repeating: 0, count: rewards.count)
        for i in 0..<pairs {
            let margin = Double(rewards[i]) - Double(rewards[pairs + i])
            loss += log1p(exp(-margin)) / Double(pairs)
            let slope = -1 / (1 + exp(margin)) / Double(pairs)
            d[i] = Float(slope)
            d[pairs + i] = Float(-slope)
        }
        return (loss, d)
    }

    func testBradleyTerryGradientMatchesFiniteDifferences() throws {
        let s = testSeed(#function)
        let model = try model(seed: s)
        var g = SeededGenerator(seed: s)
        let (batch, chosen, rejected) = pairBatch(&g)
        let rows = chosen + rejected
        func loss() throws -> Double { bradleyTerry(try model.scores(batch, rows: rows), pairs: chosen.count).loss }
        let rewards = try model.scores(batch, rows: rows)
        model.zeroGradients()
        model.backward(bradleyTerry(rewards, pairs: chosen.count).dRewards)
        let trunk = model.trunk.gradients.array(model.trunk.parameterCount)
        let score = model.scoreGradients.array(model.hiddenSize)
        var worst = 0.0
        for _ in 0..<150 {
            let i = Int(g.next() % UInt64(model.trunk.parameterCount))
            let numeric = try numericDerivative(model.trunk.parameters, i, step: 2e-2, loss: loss)
            let relative = relativeGradientError(trunk[i], numeric, floor: 1e-2)
            worst = max(worst, relative)
            let name = model.trunk.layout.tensors.last { $0.offset <= i }!.name
            XCTAssertLessThanOrEqual(relative, 2e-2, "\(name) at \(i): analytic \(trunk[i]) numeric \(numeric)")
        }
        for i in 0..<model.hiddenSize {
            let numeric = try numericDerivative(model.score, i, step: 2e-2, loss: loss)
            XCTAssertLessThanOrEqual(relativeGradientError(score[i], numeric, floor: 1e-2), 2e-2,
                                     "score.weight at \(i): analytic \(score[i]) numeric \(numeric)")
        }
        print("reward model gradient: worst relative error \(worst) over 150 trunk parameters")
    }

    func testSharedPromptScoresAsSeparateSequences() throws {
        let s = testSeed(#function)
        let model = try model(seed: s)
        var g = SeededGenerator(seed: s)
        let prompt = randomSequence(4, &g)
        let completions = [randomSequence(3, &g), randomSequence(5, &g)]
        var shared = PackedBatch()
        let sharedRows = shared.appendWhole(prompt: prompt, completions: completions)
        var separate = PackedBatch()
        let separateRows = completions.flatMap { separate.appendWhole(prompt: [], completions: [prompt + $0]) }
        XCTAssertLessThan(shared.rows, separate.rows)
        let a = try model.scores(shared, rows: sharedRows)
        let b = try model.scores(separate, rows: separateRows)
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-5) }
    }

    func testSavedDirectoryIsASequenceClassifierAndLoadsBack() throws {
        let s = testSeed(#function)
        let model = try model(seed: s)
        var g = SeededGenerator(seed: s)
        let (batch, chosen, rejected) = pairBatch(&g)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reward-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try model.save(directory: directory)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("config.json"))) as! [String: Any]
        XCTAssertEqual(json["architectures"] as? [String], ["LlamaForSequenceClassification"])
        XCTAssertEqual(json["num_labels"] as? Int, 1)
        XCTAssertEqual(json["pad_token_id"] as? Int, 0)
        XCTAssertEqual(json["id2label"] as? [String: String], ["0": "LABEL_0"])
        let file = try SafetensorsFile(contentsOf: directory.appendingPathComponent("model.safetensors"))
        XCTAssertNil(file.tensors["lm_head.weight"])
        XCTAssertEqual(file.tensors["score.weight"]?.shape, [1, 8])
        XCTAssertEqual(file.tensors["model.embed_tokens.weight"]?.shape, [11, 8])
        let loaded = try RewardModel.load(directory: directory)
        XCTAssertEqual(loaded.padTokenId, 0)
        XCTAssertEqual(try loaded.scores(batch, rows: chosen + rejected), try model.scores(batch, rows: chosen + rejected))
        let lm = directory.appendingPathComponent("lm")
        try model.trunk.save(directory: lm)
        XCTAssertThrowsError(try RewardModel.load(directory: lm)) { XCTAssertTrue("\($0)".contains("LlamaForSequenceClassification")) }
    }

    func testPadTokenIsNeverEOS() {
        XCTAssertEqual(RewardModel.padToken(eos: 5, pad: 7), 7)
        XCTAssertEqual(RewardModel.padToken(eos: 5, pad: 5), 0)
        XCTAssertEqual(RewardModel.padToken(eos: 0, pad: nil), 1)
        XCTAssertEqual(RewardModel.padToken(eos: nil, pad: nil), 0)
    }
}
