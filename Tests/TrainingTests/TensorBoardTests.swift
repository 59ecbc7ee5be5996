import Foundation
import TestSupport
import XCTest

@testable import Training

/// TensorBoard event files: read as TensorBoard's own writer makes them (`Tests/Fixtures/make_tensorboard_golden.py`,
/// PyTorch's SummaryWriter, the one transformers and TRL log through), written byte for byte the same, and a run's
/// journals mirrored into them.
final class TensorBoardTests: XCTestCase {
    private struct Expected: Decodable {
        let wall_time: Double
        let step: Int64
        let tag: String
        let value: Double
    }

    private let golden = RepositoryPaths.fixture("tensorboard")

    private func goldenBytes() throws -> [UInt8] {
        [UInt8](try Data(contentsOf: golden.appendingPathComponent("events.out.tfevents.golden")))
    }

    private func expected() throws -> [Expected] {
        try JSONDecoder().decode([Expected].self, from: Data(contentsOf: golden.appendingPathComponent("expected.json")))
    }

    func testCRC32CMatchesTheCheckValueAndTheMaskIsTensorFlows() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        let crc = CRC32C.checksum([1, 2, 3])
        XCTAssertEqual(CRC32C.masked([1, 2, 3]), ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8)
    }

    func testReadsTheEventsPyTorchsWriterMade() throws {
        let (records, pending) = try TFRecord.records(try goldenBytes())
        XCTAssertEqual(pending, 0)
        let events = try records.map(TensorBoardEvent.init(decoding:))
        XCTAssertEqual(events.first?.content, .fileVersion("brain.Event:2"))
        let scalars = events.dropFirst().flatMap { event -> [(Double, Int64, String, Float)] in
            guard case .scalars(let values) = event.content else { return [] }
            return values.map { (event.wallTime, event.step, $0.tag, $0.value) }
        }
        let want = try expected()
        XCTAssertEqual(scalars.count, want.count)
        for (got, want) in zip(scalars, want) {
            XCTAssertEqual(got.0, want.wall_time, "\(want.tag)")
            XCTAssertEqual(got.1, want.step, "\(want.tag)")
            XCTAssertEqual(got.2, want.tag)
            XCTAssertEqual(got.3, Float(want.value), "\(want.tag) is stored as float32")
        }
    }

    func testWritesTheSameBytesAsPyTorchsWriter() throws {
        let bytes = try goldenBytes()
        let (records, _) = try TFRecord.records(bytes)
        let versionLength = 16 + records[0].count
        let ours = try expected().flatMap { scalar in
            TFRecord.frame(TensorBoardEvent(wallTime: scalar.wall_time, step: scalar.step,
                                            content: .scalars([.init(scalar.tag, Float(scalar.value))])).encoded())
        }
        XCTAssertEqual(ours, Array(bytes[versionLength...]), "every scalar record after the version event, framing included")
    }

    func testATornTailIsPendingAndACorruptRecordIsAnError() throws {
        let bytes = try goldenBytes()
        let whole = try TFRecord.records(bytes).records
        let torn = try TFRecord.records(bytes + Array(bytes.prefix(30)))
        XCTAssertEqual(torn.records, whole)
        XCTAssertEqual(torn.pending, 30)
        var corrupt = bytes
        corrupt[100] ^= 0x01
        XCTAssertThrowsError(try TFRecord.records(corrupt)) { XCTAssertTrue("\($0)".contains("checksum"), "\($0)") }
    }

    func testAResumedRunsFileDropsTheStepsItRunsAgain() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dpo-tensorboard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: url) }
        let first = RunDirectory(url: url)
        try first.append(["step": 1, "time": 100.5, "loss": 0.69, "rewards/chosen": 0], to: RunDirectory.metricsFile)
        try first.append(["step": 2, "time": 101.5, "loss": 0.5], to: RunDirectory.metricsFile)
        try first.append(["step": 2, "time": 102.0, "eval_loss": 0.6, "samples/kl": 3], to: RunDirectory.evalFile)
        try first.append(["step": 1, "time": 50.0, "loss": 4], to: RunDirectory.sftMetricsFile)
        try first.append(["step": 1, "prompt": "p"], to: RunDirectory.samplesFile)
        first.closeJournals()
        let resumed = RunDirectory(url: url)
        try resumed.append(["step": 2, "time": 200.0, "loss": 0.45], to: RunDirectory.metricsFile)

        let dpo = url.appendingPathComponent("tensorboard/dpo")
        let files = try FileManager.default.contentsOfDirectory(atPath: dpo.path).sorted()
        XCTAssertEqual(files.count, 2, "one file per process")
        var byFile: [[TensorBoardEvent]] = []
        for name in files {
            let (records, pending) = try TFRecord.records([UInt8](try Data(contentsOf: dpo.appendingPathComponent(name))))
            XCTAssertEqual(pending, 0)
            byFile.append(try records.map(TensorBoardEvent.init(decoding:)))
        }
        let original = byFile.first { $0.count == 4 }!, later = byFile.first { $0.count == 3 }!
        XCTAssertEqual(original[1], TensorBoardEvent(wallTime: 100.5, step: 1, content: .scalars([.init("train/loss", 0.69), .init("train/rewards/chosen", 0)])))
        XCTAssertEqual(original[3], TensorBoardEvent(wallTime: 102.0, step: 2, content: .scalars([.init("eval/loss", 0.6), .init("eval/samples/kl", 3)])))
        XCTAssertEqual(later[1], TensorBoardEvent(wallTime: 200.0, step: 2, content: .sessionStart))
        XCTAssertEqual(later[2].content, .scalars([.init("train/loss", 0.45)]))
        let sft = try FileManager.default.contentsOfDirectory(atPath: url.appendingPathComponent("tensorboard/sft").path)
        XCTAssertEqual(sft.count, 1, "the SFT stage is a TensorBoard run of its own")
    }
}

/// A transformers/TRL output directory read back into TRL's metric names.
final class TRLOutputTests: XCTestCase {
    func testEventsBecomeOneRowPerStepUnderTRLsNames() throws {
        let bytes = [UInt8](try Data(contentsOf: RepositoryPaths.fixture("tensorboard/events.out.tfevents.golden")))
        let events = try TFRecord.records(bytes).records.map(TensorBoardEvent.init(decoding:))
        let rows = TRLOutput.rows(events)
        XCTAssertEqual(rows.map { $0["step"] }, [1, 2, 300])
        XCTAssertEqual(rows[0]["loss"]!, Double(Float(0.6931471805599453)))
        XCTAssertEqual(rows[0]["learning_rate"]!, Double(Float(5e-07)))
        XCTAssertEqual(rows[1]["rewards/margins"], -0.015625)
        XCTAssertEqual(rows[1]["eval_loss"], 0.69140625)
        XCTAssertEqual(rows[1]["eval_rewards/accuracies"], 0.5)
        XCTAssertEqual(rows[1]["time"], 1767225602.75, "the step's latest wall time")
        XCTAssertEqual(TRLOutput.metric(fromTag: "eval/rewards/chosen"), "eval_rewards/chosen")
        XCTAssertNil(TRLOutput.metric(fromTag: "hparams/beta"))
        // A restart at step 2 drops what the first launch logged from step 2 on.
        let restarted = TRLOutput.rows(events + [
            TensorBoardEvent(wallTime: 1767230000, step: 2, content: .sessionStart),
            TensorBoardEvent(wallTime: 1767230001, step: 2, content: .scalars([.init("train/loss", 0.25)])),
        ])
        XCTAssertEqual(restarted.map { $0["step"] }, [1, 2])
        XCTAssertEqual(restarted[1], ["step": 2, "time": 1767230001, "loss": 0.25])
    }

    func testLogHistoryOfTheNewestTrainerState() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dpo-trl-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        let checkpoint = url.appendingPathComponent("checkpoint-4")
        try FileManager.default.createDirectory(at: checkpoint, withIntermediateDirectories: true)
        XCTAssertFalse(TRLOutput.isOutputDirectory(url))
        let state = #"{"max_steps": 8, "is_hyper_param_search": false, "log_history": [{"epoch": 0.5, "loss": 0.6931, "rewards/chosen": 0.0, "step": 2}, {"epoch": 1.0, "eval_loss": 0.68, "step": 4}]}"#
        try state.write(to: checkpoint.appendingPathComponent("trainer_state.json"), atomically: true, encoding: .utf8)
        XCTAssertTrue(TRLOutput.isOutputDirectory(url))
        let history = TRLOutput.logHistory(in: url)
        XCTAssertEqual(history.maxSteps, 8)
        XCTAssertEqual(history.rows, [["epoch": 0.5, "loss": 0.6931, "rewards/chosen": 0, "step": 2], ["epoch": 1, "eval_loss": 0.68, "step": 4]])
    }
}
