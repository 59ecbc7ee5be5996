import Foundation
import XCTest

@testable import Training

/// The frontier read from run directories written here: config.yaml from an experiment, eval.jsonl by hand.
final class FrontierTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dpo-frontier-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// A run directory named `name` with the experiment changed by `overrides` and these eval.jsonl lines.
    @discardableResult
    private func makeRun(_ name: String, _ overrides: [String], eval lines: [String]) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        var experiment = Experiment()
        try experiment.apply(overrides: overrides)
        try RunDirectory(url: url).writeConfig(experiment)
        try lines.map { $0 + "\n" }.joined().write(to: url.appendingPathComponent(RunDirectory.evalFile), atomically: true, encoding: .utf8)
        return url
    }

    private func row(step: Int, kl: Double, reward: Double, reference: Double = 0.25) -> String {
        #"{"eval_loss":0.6,"samples/kl":\#(kl),"samples/reference_reward":\#(reference),"samples/reward":\#(reward),"step":\#(step)}"#
    }

    func testReadsEachRunsPointsMethodAndBeta() throws {
        try makeRun("dpo-b0.5", ["loss_type=sigmoid", "beta=0.5"], eval: [row(step: 100, kl: 1.5, reward: 0.6), row(step: 50, kl: 0.5, reward: 0.4)])
        try makeRun("dpo-b0.05", ["loss_type=sigmoid", "beta=0.05"], eval: [row(step: 50, kl: 4, reward: 0.7)])
        try makeRun("online", ["loss_type=sigmoid", "beta=0.1", "online.enabled=true"], eval: [row(step: 50, kl: 2, reward: 0.8)])
        try makeRun("online-ipo", ["loss_type=ipo", "online.enabled=true"], eval: [row(step: 50, kl: 2, reward: 0.8)])
        try makeRun("sft", ["loss_type=sft"], eval: [row(step: 50, kl: 3, reward: 0.3, reference: 0.35)])
        try makeRun("ul", ["loss_type=unlikelihood", "beta=0.5"], eval: [row(step: 50, kl: 6, reward: 0.5)])

        let frontier = try Frontier.read(runsDirectory: directory)
        XCTAssertEqual(frontier.runs.map(\.run), ["online", "online-ipo", "sft", "dpo-b0.05", "dpo-b0.5", "ul"])
        XCTAssertEqual(frontier.runs.map(\.method), ["online-dpo", "online-ipo", "sft", "sigmoid", "sigmoid", "unlikelihood"])
        XCTAssertEqual(frontier.runs.map(\.beta), [0.1, 0.1, nil, 0.05, 0.5, nil], "β only where the loss reads it")
        XCTAssertEqual(frontier.runs[4].points, [FrontierPoint(step: 50, kl: 0.5, reward: 0.4), FrontierPoint(step: 100, kl: 1.5, reward: 0.6)])
        // Five runs logged 0.25 as the reference's reward, one 0.35.
        XCTAssertEqual(frontier.referenceReward!, (5 * 0.25 + 0.35) / 6, accuracy: 1e-12)
        XCTAssertEqual(frontier.skipped, [])
    }

    /// Each evaluation's reward standard error travels with its point, and the dominance rows weigh a miss by it.
    func testRewardStandardErrorsAreReadAndSetBesideTheShortfall() throws {
        let withError = { (step: Int, kl: Double, reward: Double, error: Double) in
            #"{"samples/kl":\#(kl),"samples/reward":\#(reward),"samples/reward_se":\#(error),"step":\#(step)}"#
        }
        try makeRun("dpo", ["loss_type=sigmoid", "beta=1"], eval: [withError(10, 1, 0.6, 0.02), withError(20, 2, 0.7, 0.03)])
        try makeRun("sft", ["loss_type=sft"], eval: [withError(10, 1, 0.61, 0.01), row(step: 20, kl: 1.5, reward: 0.6)])
        let frontier = try Frontier.read(runsDirectory: directory)
        XCTAssertEqual(frontier.runs.map(\.run), ["sft", "dpo"])
        XCTAssertEqual(frontier.runs[0].points.map(\.rewardSE), [0.01, nil], "a row without samples/reward_se has none")
        let row = try XCTUnwrap(frontier.dominance().first)
        XCTAssertEqual(row.dominated, 1, "the run reaches 0.65 at KL 1.5, not 0.61 at KL 1")
        XCTAssertEqual(row.largestShortfall!, 0.01, accuracy: 1e-12)
        XCTAssertEqual(row.rewardSE, 0.02, "the median of 0.01, 0.02 and 0.03")
        XCTAssertTrue(frontier.dominanceSummary().contains("dominates 1/2 of sft (the rest ahead by ≤ 0.010; reward SE 0.020)"),
                      frontier.dominanceSummary())
    }

    /// Each point carries its held-out β·Δ; β acts on a run from its first evaluation past the start whose β·Δ
    /// reached the threshold, and the summary says where, or that it has not by the run's last margin.
    func testBrakingIsTheFirstEvaluationWhoseMarginReachesTheThreshold() throws {
        let withMargin = { (step: Int, kl: Double, reward: Double, margin: Double) in
            #"{"eval_rewards/margins":\#(margin),"samples/kl":\#(kl),"samples/reward":\#(reward),"step":\#(step)}"#
        }
        try makeRun("small", ["loss_type=sigmoid", "beta=0.05"],
                    eval: [withMargin(0, 0, 0.4, 0), withMargin(10, 0.5, 0.45, 0.03), withMargin(20, 2, 0.6, 0.3), withMargin(30, 3, 0.65, 0.5)])
        try makeRun("idle", ["loss_type=sigmoid", "beta=0.01"], eval: [withMargin(10, 1, 0.5, 0.1), withMargin(20, 4, 0.55, 0.2)])
        try makeRun("sft", ["loss_type=sft"], eval: [withMargin(10, 1, 0.5, 0.4)])
        let frontier = try Frontier.read(runsDirectory: directory)
        XCTAssertEqual(frontier.runs.map(\.run), ["sft", "idle", "small"])
        XCTAssertEqual(frontier.runs[2].points.map(\.margin), [0, 0.03, 0.3, 0.5])
        XCTAssertEqual(Frontier.braking(frontier.runs[2], margin: 0.25)?.step, 20)
        XCTAssertEqual(Frontier.braking(frontier.runs[2], margin: 0.4)?.step, 30)
        XCTAssertNil(Frontier.braking(frontier.runs[1], margin: 0.25))
        let lines = frontier.dominanceSummary().split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains { $0.hasPrefix("  sigmoid β=0.05:") && $0.hasSuffix("; β acts from KL 2.00 (β·Δ 0.30 at step 20)") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("  sigmoid β=0.01:") && $0.hasSuffix("; β not acting by KL 4.00 (β·Δ 0.20 at step 20)") }, "\(lines)")
        XCTAssertTrue(lines.last!.hasPrefix("β acts from the first evaluation whose held-out β·Δ reached 0.25 (pairs' weights σ(−β·Δ) under 0.44)"), lines.last!)
        XCTAssertTrue(frontier.dominanceSummary(brakeMargin: 0.1).contains("β=0.01: dominates 1/1 of sft; β acts from KL 1.00 (β·Δ 0.10 at step 10)"),
                      frontier.dominanceSummary(brakeMargin: 0.1))
    }

    func testRunsWithoutSampleMetricsAreSkippedAndOtherFoldersIgnored() throws {
        try makeRun("kept", ["beta=0.1"], eval: [row(step: 10, kl: 0.1, reward: 0.2)])
        try makeRun("no-samples", ["beta=0.1"], eval: [#"{"eval_loss":0.6,"step":10}"#])
        let broken = try makeRun("broken", [], eval: [])
        try "betta: 1\n".write(to: broken.appendingPathComponent(RunDirectory.configFile), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent(".reference-cache"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("not-a-run"), withIntermediateDirectories: true)

        let frontier = try Frontier.read(runsDirectory: directory)
        XCTAssertEqual(frontier.runs.map(\.run), ["kept"])
        XCTAssertEqual(frontier.skipped.map(\.run), ["broken", "no-samples"])
        XCTAssertTrue(frontier.skipped[0].reason.contains("betta"), frontier.skipped[0].reason)
        XCTAssertTrue(frontier.skipped[1].reason.contains("samples/kl"), frontier.skipped[1].reason)
    }

    func testNoReferenceRewardWhenNoRunLoggedIt() throws {
        try makeRun("a", [], eval: [#"{"samples/kl":0.1,"samples/reward":0.2,"step":5}"#])
        let frontier = try Frontier.read(runsDirectory: directory)
        XCTAssertNil(frontier.referenceReward)
        XCTAssertEqual(frontier.runs.first?.points, [FrontierPoint(step: 5, kl: 0.1, reward: 0.2)])
    }

    func testTableHasOneRowPerPointAfterTheReference() throws {
        let frontier = Frontier(
            runs: [FrontierRun(run: "r1", method: "sigmoid", beta: 0.1, points: [FrontierPoint(step: 50, kl: 0.5, reward: 0.4),
                                                                                    FrontierPoint(step: 100, kl: 1.25, reward: 0.625)]),
                   FrontierRun(run: "r2", method: "sft", beta: nil, points: [FrontierPoint(step: 50, kl: 3, reward: 0.3)])],
            referenceReward: 0.25)
        XCTAssertEqual(frontier.table().split(separator: "\n").map(String.init), [
            "method     β    step  KL      reward  run",
            "---------  ---  ----  ------  ------  ---",
            "reference  –    –     0.0000  0.2500",
            "sigmoid    0.1  50    0.5000  0.4000  r1",
            "sigmoid    0.1  100   1.2500  0.6250  r1",
            "sft        –    50    3.0000  0.3000  r2",
        ])
    }

    func testJSONUsesSnakeCaseAndReadsBack() throws {
        let frontier = Frontier(runs: [FrontierRun(run: "r", method: "sft", beta: nil, points: [FrontierPoint(step: 1, kl: 0, reward: 1)])],
                                referenceReward: 0.5)
        let data = try JSONEncoder().encode(frontier)
        XCTAssertTrue(String(decoding: data, as: UTF8.self).contains(#""reference_reward":0.5"#))
        XCTAssertEqual(try JSONDecoder().decode(Frontier.self, from: data), frontier)
    }

    /// A baseline point counts as dominated when the run reaches its reward at no more KL: at a checkpoint, or on
    /// the line between two of its points, the reference at step 0 included; the baseline's step 0 is not counted.
    func testDominanceComparesRewardAtEqualKL() {
        let point = { (step: Int, kl: Double, reward: Double) in FrontierPoint(step: step, kl: kl, reward: reward) }
        let dpo = FrontierRun(run: "dpo", method: "sigmoid", beta: 0.1, points: [point(0, 0, 0.4), point(25, 2, 0.7), point(50, 6, 0.9)])
        let sft = FrontierRun(run: "sft", method: "sft", beta: nil, points: [
            point(0, 0, 0.4),
            point(25, 3, 0.6),  // step 25 has less KL and more reward
            point(50, 1, 0.5),  // half-way from the reference (0.4) to step 25 (0.7): 0.55 ≥ 0.5
            point(60, 1, 0.6),  // above that line: not dominated
            point(75, 7, 0.95), // more reward than any checkpoint: not dominated
            point(100, 4, 0.8), // on the line from step 25 to step 50: 0.7 + 0.2·2/4 = 0.8, a tie
        ])
        let unlikelihood = FrontierRun(run: "ul", method: "unlikelihood", beta: nil, points: [point(25, 8, 0.85)])
        let frontier = Frontier(runs: [dpo, sft, unlikelihood], referenceReward: 0.4)
        XCTAssertEqual(frontier.reward(of: dpo, atKL: 1)!, 0.55, accuracy: 1e-12)
        XCTAssertEqual(frontier.reward(of: dpo, atKL: 9)!, 0.9, accuracy: 1e-12)
        let rows = frontier.dominance()
        XCTAssertEqual(rows.map(\.baseline), ["sft", "unlikelihood"])
        XCTAssertEqual(rows.map(\.dominated), [3, 1])
        XCTAssertEqual(rows.map(\.total), [5, 1])
        XCTAssertEqual(rows.map(\.isComplete), [false, true])
        XCTAssertEqual(rows[0].largestShortfall!, 0.05, accuracy: 1e-12, "steps 60 and 75 are each 0.05 above the run")
        XCTAssertNil(rows[1].largestShortfall)
        XCTAssertEqual(frontier.dominanceSummary().split(separator: "\n").last,
                       "  sigmoid β=0.1: dominates 3/5 of sft (the rest ahead by ≤ 0.050), 1/1 of unlikelihood")

        // A run without its step-0 evaluation starts from the frontier's reference reward.
        let late = FrontierRun(run: "late", method: "sigmoid", beta: 0.5, points: [point(25, 2, 0.7)])
        XCTAssertEqual(frontier.reward(of: late, atKL: 1)!, 0.55, accuracy: 1e-12)
        XCTAssertNil(Frontier(runs: [late], referenceReward: nil).reward(of: late, atKL: 1))
    }
}
