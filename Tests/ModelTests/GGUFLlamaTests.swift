import Foundation
import Model
import XCTest

/// Llama GGUF files as `Transformer`s: names, metadata and the Q/K un-permutation, checked on a transformers
/// checkpoint that gguf-py converted the way llama.cpp does (Tests/Fixtures/gguf/tiny_llama.gguf, all F32, so
/// every weight must come back exactly).
final class GGUFLlamaTests: XCTestCase {
    func testTinyLlamaConvertedByLlamaCppRulesLoadsBackExactly() throws {
        let golden = fixturesDirectory.appendingPathComponent("golden/gqa_untied")
        let reference = try Transformer.load(directory: golden)
        let model = try Transformer.load(gguf: fixturesDirectory.appendingPathComponent("gguf/tiny_llama.gguf"))
        XCTAssertEqual(model.config, reference.config)
        XCTAssertEqual(model.config.heads, 4)
        XCTAssertEqual(model.config.kvHeads, 2)
        XCTAssertFalse(model.config.tieWordEmbeddings)
        for entry in model.layout.tensors {
            let ours = model.parameters.array(entry.offset + entry.count).suffix(entry.count)
            let theirs = reference.parameters.array(entry.offset + entry.count).suffix(entry.count)
            XCTAssertTrue(ours.elementsEqual(theirs), "\(entry.name) differs")
        }
        // And so the model computes what transformers computed (Tests/Fixtures/golden/gqa_untied/expected.json).
        struct Inputs: Decodable { let sequences: [[Int32]]; let target_masks: [[Int]] }
        struct Expected: Decodable { let logps: [Float] }
        let inputs = try JSONDecoder().decode(Inputs.self, from: Data(contentsOf: golden.appendingPathComponent("inputs.json")))
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: golden.appendingPathComponent("expected.json")))
        var batch = PackedBatch()
        for (sequence, mask) in zip(inputs.sequences, inputs.target_masks) {
            batch.appendSequence(sequence, targetMask: mask.map { $0 != 0 })
        }
        let error = zip(try model.forward(batch), expected.logps).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(error, 1e-4)
    }

    func testNamesMapBothWays() {
        let layout = ParameterLayout(TransformerConfig(
            vocabSize: 8, hiddenSize: 4, intermediateSize: 4, layers: 12, heads: 2, tieWordEmbeddings: false))
        for entry in layout.tensors {
            let gguf = GGUFLlama.ggufName(entry.name)
            XCTAssertNotNil(gguf, entry.name)
            XCTAssertEqual(gguf.flatMap(GGUFLlama.huggingFaceName), entry.name)
        }
        XCTAssertEqual(GGUFLlama.huggingFaceName("blk.11.attn_q.weight"), "model.layers.11.self_attn.q_proj.weight")
        XCTAssertEqual(GGUFLlama.huggingFaceName("blk.0.ffn_norm.weight"), "model.layers.0.post_attention_layernorm.weight")
        XCTAssertEqual(GGUFLlama.huggingFaceName("output.weight"), "lm_head.weight")
        for unknown in ["blk.01.attn_q.weight", "blk.-1.attn_q.weight", "blk.0.attn_qkv.weight", "rope_freqs.weight", "blk.x.ffn_up.weight"] {
            XCTAssertNil(GGUFLlama.huggingFaceName(unknown), unknown)
        }
    }

    /// llama.cpp stores Hugging Face row h·d + j·d/2 + i at h·d + 2i + j: for one head of 4, rows [a, c, b, d].
    func testUnpermuteRows() {
        let stored: [Float] = [0, 20, 10, 30, /* second head */ 40, 60, 50, 70]
        var out = [Float](repeating: -1, count: 8)
        stored.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer {
                GGUFLlama.unpermuteRows($0.baseAddress!, source.baseAddress!, heads: 2, headDim: 4, columns: 1)
            }
        }
        XCTAssertEqual(out, [0, 10, 20, 30, 40, 50, 60, 70])
    }

    /// A one-layer Llama of hidden size 4 as a GGUF file, all F32.
    private func syntheticLlama(_ change: (inout GGUFTestFile) -> Void = { _ in }) -> Data {
        func tensor(_ name: String, _ dims: [Int]) -> GGUFTestFile.Tensor {
            let count = dims.reduce(1, *)
            return .init(name: name, dims: dims, type: .f32, bytes: GGUFTestFile.f32((0..<count).map { Float($0) / 10 }))
        }
        var file = GGUFTestFile(metadata: [
            ("general.architecture", .string("llama")), ("llama.block_count", .uint32(1)),
            ("llama.context_length", .uint32(64)), ("llama.embedding_length", .uint32(4)),
            ("llama.feed_forward_length", .uint32(6)), ("llama.attention.head_count", .uint32(2)),
            ("llama.attention.head_count_kv", .uint32(1)), ("llama.rope.freq_base", .float32(500_000)),
            ("llama.attention.layer_norm_rms_epsilon", .float32(1e-6)), ("tokenizer.ggml.eos_token_id", .uint32(3)),
        ])
        file.tensors = [
            tensor("token_embd.weight", [4, 5]), tensor("blk.0.attn_norm.weight", [4]),
            tensor("blk.0.attn_q.weight", [4, 4]), tensor("blk.0.attn_k.weight", [4, 2]),
            tensor("blk.0.attn_v.weight", [4, 2]), tensor("blk.0.attn_output.weight", [4, 4]),
            tensor("blk.0.ffn_norm.weight", [4]), tensor("blk.0.ffn_gate.weight", [4, 6]),
            tensor("blk.0.ffn_up.weight", [4, 6]), tensor("blk.0.ffn_down.weight", [6, 4]),
            tensor("output_norm.weight", [4]),
        ]
        change(&file)
        return Data(file.bytes)
    }

    func testMetadataMapsToTheConfig() throws {
        let model = try Transformer.load(gguf: GGUFFile(data: syntheticLlama()))
        XCTAssertEqual(model.config, TransformerConfig(
            vocabSize: 5, hiddenSize: 4, intermediateSize: 6, layers: 1, heads: 2, kvHeads: 1, headDim: 2,
            rmsNormEps: 1e-6, ropeTheta: 500_000, tieWordEmbeddings: true, maxPositions: 64, bosTokenId: nil,
            eosTokenId: 3))
        let embedding = model.layout.entry(named: "model.embed_tokens.weight")!
        XCTAssertEqual(model.parameters.array(embedding.count), (0..<20).map { Float($0) / 10 })
    }

    func testModelsThisPackageDoesNotImplementAreErrors() throws {
        func expect(_ data: Data, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try Transformer.load(gguf: GGUFFile(data: data, path: "m.gguf")), file: file, line: line) {
                XCTAssertTrue("\($0)".contains(fragment), "\"\($0)\" lacks \"\(fragment)\"", file: file, line: line)
            }
        }
        expect(syntheticLlama { $0.metadata[0].1 = .string("qwen2") }, "general.architecture is 'qwen2'")
        expect(syntheticLlama { $0.metadata.append(("llama.rope.scaling.type", .string("yarn"))) }, "RoPE scaling 'yarn'")
        expect(syntheticLlama { $0.metadata.append(("llama.expert_count", .uint32(8))) }, "mixture of 8 experts")
        expect(syntheticLlama { $0.metadata.append(("llama.rope.dimension_count", .uint32(1))) }, "partial RoPE")
        expect(syntheticLlama { $0.metadata.removeAll { $0.0 == "llama.block_count" } }, "'llama.block_count' is missing")
        expect(syntheticLlama { $0.metadata[6].1 = .array(.uint32, [.uint32(1)]) }, "llama.attention.head_count_kv is ARRAY")
        expect(syntheticLlama { $0.tensors.removeAll { $0.name == "blk.0.ffn_up.weight" } }, "no tensor 'blk.0.ffn_up.weight'")
        expect(syntheticLlama { $0.tensors[2].dims = [2, 8] }, "blk.0.attn_q.weight (model.layers.0.self_attn.q_proj.weight)")
        expect(syntheticLlama { $0.tensors.append(.init(name: "blk.1.attn_norm.weight", dims: [4], type: .f32,
                                                        bytes: GGUFTestFile.f32([1, 1, 1, 1]))) },
               "tensor 'blk.1.attn_norm.weight' has no counterpart")
        // Sizes the tensors do not hold (64 layers of 2^24-wide MLPs, 51 GB) are found before the model is allocated.
        expect(syntheticLlama { $0.metadata[1].1 = .uint32(64); $0.metadata[4].1 = .uint32(1 << 24) },
               "blk.0.ffn_gate.weight (model.layers.0.mlp.gate_proj.weight)' has shape [6, 4]")
        expect(syntheticLlama { $0.metadata[3].1 = .uint32(1 << 30) }, "hidden_size 1073741824 is beyond")
        expect(syntheticLlama { $0.tensors.append(.init(name: "rope_freqs.weight", dims: [1], type: .f32,
                                                        bytes: GGUFTestFile.f32([1]))) }, "rope_freqs")
    }
}
