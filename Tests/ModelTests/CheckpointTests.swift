import Determinism
import Foundation
import Kernels
import Model
import TestSupport
import XCTest

/// safetensors and config.json: round trips through our writer and reader, and corrupt files as errors.
final class CheckpointTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dpo-checkpoint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func testModelRoundTripsThroughHuggingFaceDirectory() throws {
        for tied in [false, true] {
            let config = TransformerConfig(vocabSize: 13, hiddenSize: 8, intermediateSize: 10, layers: 2, heads: 2,
                                           kvHeads: 1, rmsNormEps: 1e-6, ropeTheta: 500_000, tieWordEmbeddings: tied,
                                           maxPositions: 64, bosTokenId: 1, eosTokenId: 2)
            let model = try Transformer(config: config)
            model.initializeRandom(seed: 7)
            let target = directory.appendingPathComponent(tied ? "tied" : "untied")
            try model.save(directory: target)
            let loaded = try Transformer.load(directory: target)
            XCTAssertEqual(loaded.config, config)
            XCTAssertEqual(loaded.parameters.array(loaded.parameterCount), model.parameters.array(model.parameterCount))
            let file = try SafetensorsFile(contentsOf: target.appendingPathComponent("model.safetensors"))
            XCTAssertEqual(file.tensors["lm_head.weight"] == nil, tied)
            XCTAssertEqual(file.tensors["model.layers.1.self_attn.k_proj.weight"]?.shape, [4, 8])
            XCTAssertEqual(file.metadata["format"], "pt")
        }
    }

    func testHalfPrecisionTensorsAreReadAsFloat() throws {
        // 1.5 in F16 is 0x3E00, in BF16 0x3FC0; -2 is 0xC000 in both.
        let header = #"{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[4,8]}}"#
        let data = file(header: header, payload: [0x00, 0x3E, 0x00, 0xC0, 0xC0, 0x3F, 0x00, 0xC0])
        let parsed = try SafetensorsFile(data: data)
        XCTAssertEqual(try parsed.floats("a"), [1.5, -2])
        XCTAssertEqual(try parsed.floats("b"), [1.5, -2])
    }

    func testMalformedFilesAreErrors() {
        let valid = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let cases: [(String, Data, String)] = [
            ("too short", Data([1, 2, 3]), "shorter than"),
            ("header past the end", lengthPrefix(1000) + Data("{}".utf8), "runs past the end"),
            ("truncated data", file(header: valid, payload: [0, 0, 0, 0]), "outside"),
            ("offsets past the end", file(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, payload: Array(repeating: 0, count: 8)), "outside"),
            ("wrong dtype", file(header: #"{"w":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, payload: Array(repeating: 0, count: 8)), "dtype I64"),
            ("size mismatch", file(header: #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, payload: Array(repeating: 0, count: 8)), "needs 12"),
            ("overlap", file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, payload: Array(repeating: 0, count: 8)), "overlap"),
            ("not JSON", file(header: "{nope", payload: []), "not a JSON object"),
            ("missing fields", file(header: #"{"w":{"dtype":"F32"}}"#, payload: []), "lacks"),
            ("negative shape", file(header: #"{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,0]}}"#, payload: []), "shape"),
        ]
        for (name, data, expected) in cases {
            XCTAssertThrowsError(try SafetensorsFile(data: data), name) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(name): \(error)")
            }
        }
    }

    func testRandomCorruptionNeverCrashes() throws {
        let model = try Transformer(config: TransformerConfig(vocabSize: 5, hiddenSize: 4, intermediateSize: 4, layers: 1, heads: 1))
        try model.save(directory: directory)
        let original = try Data(contentsOf: directory.appendingPathComponent("model.safetensors"))
        var generator = SeededGenerator(seed: testSeed(#function))
        for _ in 0..<300 {
            var corrupted = original
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                corrupted[Int.random(in: 0..<min(corrupted.count, 400), using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            if Bool.random(using: &generator) { corrupted = corrupted.prefix(Int.random(in: 0...corrupted.count, using: &generator)) }
            if let parsed = try? SafetensorsFile(data: corrupted) {
                for name in parsed.tensors.keys { _ = try parsed.floats(name) }
            }
        }
    }

    func testConfigReadsBothRopeConventionsAndRejectsUnsupportedFeatures() throws {
        let legacy = #"{"model_type":"llama","vocab_size":10,"hidden_size":8,"intermediate_size":16,"num_hidden_layers":1,"num_attention_heads":2,"rope_theta":1234.0}"#
        XCTAssertEqual(try TransformerConfig(huggingFaceJSON: Data(legacy.utf8)).ropeTheta, 1234)
        let modern = #"{"vocab_size":10,"hidden_size":8,"intermediate_size":16,"num_hidden_layers":1,"num_attention_heads":2,"rope_parameters":{"rope_type":"default","rope_theta":5e5}}"#
        let config = try TransformerConfig(huggingFaceJSON: Data(modern.utf8))
        XCTAssertEqual(config.ropeTheta, 500_000)
        XCTAssertEqual(config.kvHeads, 2)
        XCTAssertEqual(config.headDim, 4)
        XCTAssertEqual(try TransformerConfig(huggingFaceJSON: config.huggingFaceJSON()), config)
        let scaled = #"{"vocab_size":10,"hidden_size":8,"intermediate_size":16,"num_hidden_layers":1,"num_attention_heads":2,"rope_scaling":{"rope_type":"llama3","factor":8}}"#
        XCTAssertThrowsError(try TransformerConfig(huggingFaceJSON: Data(scaled.utf8))) { XCTAssertTrue("\($0)".contains("llama3")) }
        let biased = #"{"vocab_size":10,"hidden_size":8,"intermediate_size":16,"num_hidden_layers":1,"num_attention_heads":2,"attention_bias":true}"#
        XCTAssertThrowsError(try TransformerConfig(huggingFaceJSON: Data(biased.utf8))) { XCTAssertTrue("\($0)".contains("attention_bias")) }
        let badHeads = #"{"vocab_size":10,"hidden_size":8,"intermediate_size":16,"num_hidden_layers":1,"num_attention_heads":3,"num_key_value_heads":2,"head_dim":4}"#
        XCTAssertThrowsError(try TransformerConfig(huggingFaceJSON: Data(badHeads.utf8))) { XCTAssertTrue("\($0)".contains("multiple")) }
    }

    /// A config whose parameters would not fit in this machine's memory is refused before anything is allocated,
    /// whatever the machine: the sizes are chosen from its memory (1.5× it), or are beyond the 2^34-float bound.
    func testAModelLargerThanMemoryIsRefusedBeforeAllocating() {
        let floats = Double(ProcessInfo.processInfo.physicalMemory) / 4 * 1.5
        let vocabulary = min(Int(floats / 2 / 4096) + 1, 1 << 24)
        let config = TransformerConfig(vocabSize: vocabulary, hiddenSize: 4096, intermediateSize: 8, layers: 1, heads: 32,
                                       tieWordEmbeddings: false)
        XCTAssertThrowsError(try Transformer(config: config)) { error in
            XCTAssertTrue("\(error)".contains("more than this machine's memory") || "\(error)".contains("2^34"), "\(error)")
        }
    }

    /// A directory whose config.json names sizes that its safetensors do not hold (here 17 GB of MLP weights) is an
    /// error naming the tensor, found before the model is allocated.
    func testSizesTheTensorsDoNotHoldAreRefusedBeforeAllocating() throws {
        let config = TransformerConfig(vocabSize: 13, hiddenSize: 8, intermediateSize: 10, layers: 2, heads: 2,
                                       tieWordEmbeddings: true, maxPositions: 64)
        let model = try Transformer(config: config)
        model.initializeRandom(seed: 3)
        try model.save(directory: directory)
        let url = directory.appendingPathComponent("config.json")
        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        json["intermediate_size"] = 1 << 24
        json["num_hidden_layers"] = 32
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        XCTAssertThrowsError(try Transformer.load(directory: directory)) { error in
            XCTAssertTrue("\(error)".contains("model.layers.0.mlp.gate_proj.weight' has shape [10, 8]"), "\(error)")
        }
    }

    private func lengthPrefix(_ length: UInt64) -> Data {
        Data((0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) })
    }

    private func file(header: String, payload: [UInt8]) -> Data {
        lengthPrefix(UInt64(header.utf8.count)) + Data(header.utf8) + Data(payload)
    }
}
