import TestSupport
import XCTest

@testable import Training

/// The list form of `sweep:`: grids run one after another, for runs no single grid gives (DPO at several β beside
/// methods where β does not matter).
final class SweepListTests: XCTestCase {
    let text = """
        run_name: frontier
        loss_type: sigmoid
        beta: 0.1
        sweep:
          - loss_type: sigmoid
            beta: [0.05, 1.0]
          - loss_type: [sft, unlikelihood]
          - online:
              enabled: true
            learning_rate: 0.0005
        """

    func testEachEntryIsAGridWithScalarsAsListsOfOneAndNestedKeysDotted() throws {
        let experiment = try Experiment(yaml: text)
        XCTAssertEqual(experiment.sweep, [])
        XCTAssertEqual(experiment.sweepGrids, [
            [SweepAxis(key: "beta", values: ["0.05", "1.0"]), SweepAxis(key: "loss_type", values: ["sigmoid"])],
            [SweepAxis(key: "loss_type", values: ["sft", "unlikelihood"])],
            [SweepAxis(key: "learning_rate", values: ["0.0005"]), SweepAxis(key: "online.enabled", values: ["true"])],
        ])
    }

    func testRunsAreTheGridsInTurn() throws {
        let runs = try Experiment(yaml: text).sweepRuns()
        XCTAssertEqual(runs.map { $0.runName ?? "" }, [
            "frontier-beta=0.05-loss_type=sigmoid", "frontier-beta=1.0-loss_type=sigmoid",
            "frontier-loss_type=sft", "frontier-loss_type=unlikelihood",
            "frontier-learning_rate=0.0005-online.enabled=true",
        ])
        XCTAssertEqual(runs.map(\.loss.beta), [0.05, 1.0, 0.1, 0.1, 0.1])
        XCTAssertEqual(runs.map(\.loss.lossTypes), [[.sigmoid], [.sigmoid], [.sft], [.unlikelihood], [.sigmoid]])
        XCTAssertEqual(runs.map(\.online.enabled), [false, false, false, false, true])
        XCTAssertEqual(runs[4].learningRate, 0.0005)
        XCTAssertTrue(runs.allSatisfy { $0.sweep.isEmpty && $0.sweepGrids.isEmpty }, "a run sweeps nothing itself")
        XCTAssertEqual(
            try Experiment(yaml: text).sweepSummary,
            #"beta ["0.05", "1.0"] × loss_type ["sigmoid"], then loss_type ["sft", "unlikelihood"], then "#
                + #"learning_rate ["0.0005"] × online.enabled ["true"]"#)
    }

    /// Set one at a time, `loss_type: kto` would meet `online.enabled: true` and be refused before
    /// `online.enabled: false` arrives.
    func testACombinationIsCheckedAsAWhole() throws {
        let experiment = try Experiment(yaml: """
            online.enabled: true
            sweep:
              - loss_type: kto
                online.enabled: false
            """)
        let runs = try experiment.sweepRuns()
        XCTAssertEqual(runs.map(\.loss.lossTypes), [[.kto]])
        XCTAssertEqual(runs.map(\.online.enabled), [false])
    }

    /// Sweep values are written as scalars: `loss_type: [[sigmoid]]` (the form of the key outside a sweep) would
    /// read back as a list where a sweep expects one loss type, for the map form as well.
    func testResolvedYAMLReadsBackToTheSameSweep() throws {
        let experiment = try Experiment(yaml: text)
        XCTAssertTrue(experiment.yaml().contains("sweep:\n  - beta: [0.05, 1.0]\n    loss_type: [\"sigmoid\"]\n"), experiment.yaml())
        XCTAssertEqual(try Experiment(yaml: experiment.yaml()), experiment)
        let grid = try Experiment(yaml: "sweep:\n  loss_type: [sigmoid, ipo]\n  beta: [0.1, 0.5]\n")
        XCTAssertEqual(try Experiment(yaml: grid.yaml()), grid)
    }

    /// The committed frontier sweep runs the paper's methods, each evaluating (and sampling) several times.
    func testFrontierExperimentRunsThePapersMethods() throws {
        let url = RepositoryPaths.root.appendingPathComponent("experiments/frontier.yaml")
        let runs = try Experiment(contentsOf: url).sweepRuns()
        XCTAssertEqual(runs.map(FrontierRun.method(of:)),
                       ["sigmoid", "sigmoid", "sigmoid", "sigmoid", "sft", "unlikelihood", "online-dpo"])
        XCTAssertEqual(runs.prefix(4).map(\.loss.beta), [0.05, 0.1, 0.5, 1.0])
        XCTAssertEqual(runs.last?.online.judge, "ground_truth")
        for run in runs {
            let steps = run.maxSteps
            XCTAssertGreaterThanOrEqual(steps / run.evalSteps, 5, run.runName ?? "")
            XCTAssertGreaterThan(run.samples.prompts, 0, run.runName ?? "")
        }
    }

    func testErrorsNameTheEntry() {
        let cases: [(String, String)] = [
            ("sweep:\n  - beta\n", "sweep[1]: must map keys"),
            ("sweep:\n  - beta: 0.1\n  - gamma: [1, 2]\n", "sweep[2].gamma: unknown key"),
            ("sweep:\n  - beta: [0.1, -2]\n", "beta: -2 is out of range"),
            ("sweep:\n  - beta: []\n", "sweep[1].beta: needs a non-empty list"),
            ("sweep:\n  beta: 0.1\n", "sweep.beta: needs a non-empty list"),
            ("sweep: 3\n", "sweep: must map keys to lists of values, or list such maps"),
        ]
        for (yaml, expected) in cases {
            XCTAssertThrowsError(try Experiment(yaml: yaml), yaml) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(yaml) → \(error)")
            }
        }
    }
}
