import Foundation
import Preference
import Training
@testable import Workbench

/// Fixed data for screen tests: made here (not by the built-in tasks, which other modules may tune), so a golden
/// screen changes only when the workbench does.
enum Fixtures {
    static let now = 1_800_000_000.0

    /// A tiny deterministic generator (an LCG), for noise that is the same on every machine.
    struct Noise {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
    }

    static func pairs(count: Int = 40) -> [PreferenceRecord] {
        let openings = ["The harbour film", "A slow western", "The robot comedy", "An opera about bees", "The heist sequel"]
        let good = ["was a delight from start to finish", "moved me more than I expected", "is the best thing this year"]
        let bad = ["dragged on forever", "was loud and empty", "forgot its own plot halfway"]
        var noise = Noise(state: 7)
        return (0..<count).map { index in
            let opening = openings[index % openings.count]
            let prompt = "Review \(index + 1): \(opening), seen on a rainy Tuesday with \(index % 3 + 1) friends,"
            let repeats = 1 + Int(noise.next() * 4)
            let chosen = " " + Array(repeating: good[index % good.count], count: repeats).joined(separator: ", and it ") + "."
            let rejected = " it " + bad[(index / 2) % bad.count] + "."
            return .pair(PreferencePair(prompt: .text(prompt), chosen: .text(chosen), rejected: .text(rejected),
                                        source: SourceLocation(file: "fixture.jsonl", line: index + 1)))
        }
    }

    static func snapshot() -> DataSnapshot {
        DataSnapshot.make(name: "fixture.jsonl", records: pairs(), format: .standard, encoder: ByteEncoder(),
                          decode: { String(decoding: $0.filter { $0 < 256 }.map { UInt8($0) }, as: UTF8.self) }, unit: "bytes",
                          tokenizer: "UTF-8 bytes", truncation: TruncationSettings(maxLength: 128, maxPromptLength: 64))
    }

    /// A judge session on twelve of the fixture's pairs, three judged (a pick, a tie, a skip), as if opened on a
    /// run's generated pairs from the Runs screen.
    static func judgeSession() -> JudgeSession {
        let pairs = Self.pairs(count: 12).compactMap { record -> PreferencePair? in
            if case .pair(let pair) = record { return pair }
            return nil
        }
        let run = "experiments/runs/online-20270115-093000"
        var session = JudgeSession(source: run + "/generated_pairs.jsonl", pairs: pairs,
                                   files: JudgeFiles.beside(run + "/generated_pairs.jsonl", outputDir: "experiments/runs"), seed: 42,
                                   returnScreen: .runs)
        for verdict in [Verdict.a, .tie, .skip] { _ = session.judge(verdict) }
        return session
    }

    /// A run with `steps` logged DPO steps: loss falling from ln 2, accuracy rising, margins growing.
    static func run(name: String, beta: Double, learningRate: Double, steps: Int, total: Int, state: RunState, seed: UInt64) -> RunInfo {
        var run = RunInfo(id: .directory("/runs/\(name)"), name: name)
        var noise = Noise(state: seed)
        run.beta = beta
        run.learningRate = learningRate
        run.labelSmoothing = 0
        run.lossType = "sigmoid"
        var experiment = Experiment()
        experiment.loss.beta = beta
        experiment.learningRate = learningRate
        run.experiment = experiment
        for step in 1...max(1, steps) where steps > 0 {
            let t = Double(step)
            let progress = 1 - exp(-t / 25)
            let jitter = (noise.next() - 0.5) * 0.08
            let margin = 2.5 * beta * 10 * progress + jitter
            run.metrics.append([
                "step": t, "time": now - 200 + t * 2, "loss": 0.6931 - 0.35 * progress + jitter,
                "rewards/accuracies": min(1, 0.5 + 0.45 * progress + jitter), "rewards/margins": margin,
                "rewards/chosen": margin * 0.4, "rewards/rejected": -margin * 0.6,
                "logps/chosen": -60 + 5 * progress + jitter * 10, "logps/rejected": -62 - 12 * progress + jitter * 10,
                "grad_norm": 1.4 - 0.6 * progress + abs(jitter) * 3, "learning_rate": learningRate * min(1, t / 10) * (1 - t / Double(total + 1)), "tokens_per_s": 5200,
            ])
            if step % 20 == 0 {
                // The β 0.5 run drifts: its chosen log-probs fall far and its samples move away from the reference.
                let drifts = beta >= 0.5
                run.eval.append(["step": t, "time": now - 200 + t * 2, "eval_loss": 0.6931 - 0.3 * progress,
                                 "eval_rewards/accuracies": 0.5 + 0.4 * progress, "eval_rewards/margins": margin * 0.9,
                                 "eval_diagnostics/chosen_shift": (drifts ? -30 : -2) * progress, "eval_diagnostics/chosen_fell": drifts ? 0.92 : 0.45,
                                 "eval_diagnostics/length_correlation": 0.12, "samples/length": 14 + t / 20, "samples/reference_length": 13,
                                 "samples/entropy": 2.1 - 0.3 * progress, "samples/reference_entropy": 2.2, "samples/distinct_2": 0.61,
                                 "samples/reference_distinct_2": 0.64, "samples/repetition": 0.01, "samples/kl": (drifts ? 40 : 6) * progress,
                                 "samples/kl_per_token": (drifts ? 2.8 : 0.4) * progress, "samples/degenerate": 0, "samples/reference_degenerate": 0,
                                 "samples/reward": 0.5 + 0.3 * progress, "samples/reference_reward": 0.44])
                for index in 0..<6 {
                    run.samples.append(SampleRecord(
                        step: step, prompt: "Review \(index + 1): The harbour film, seen on a rainy Tuesday,",
                        policy: " it was a delight\(String(repeating: ", truly", count: step / 20)).",
                        reference: " it was fine, I suppose.", rewardPolicy: 0.5 + 0.1 * Double(step / 20) - 0.02 * Double(index),
                        rewardReference: 0.55 - 0.01 * Double(index)))
                }
            }
        }
        for step in 1...30 {
            run.sft.append(["step": Double(step), "time": now - 300 + Double(step), "loss": 6 * exp(-Double(step) / 10) + 1.5])
        }
        run.status = RunStatus(state: state, pid: 4242, heartbeat: now - 2, startedAt: now - 200, stage: .dpo, step: steps,
                               totalSteps: total, message: state == .failed ? "non-finite loss at step \(steps)" : nil)
        run.log = ["dpo: sigmoid, β \(beta), learning rate \(learningRate), \(total) steps", "checkpoint @ step 20"]
        return run
    }

    /// A workbench with data loaded and three runs: one training here, one finished, one failed.
    static func state(screen: ScreenID) -> AppState {
        var experiment = Experiment()
        experiment.outputDir = "experiments/runs"
        experiment.sweep = [SweepAxis(key: "beta", values: ["0.05", "0.1", "0.5"])]
        var state = AppState(experiment: experiment, experimentFile: "experiments/demo.yaml", now: now)
        state.data.snapshot = snapshot()
        state.data.status = nil
        var live = run(name: "sigmoid-beta0.1-20270115-093000", beta: 0.1, learningRate: 1e-3, steps: 60, total: 100, state: .running, seed: 1)
        live.ownedHere = true
        live.process = ProcessStats(cpuPercent: 187, residentBytes: 412 * 1_048_576, threads: 5, cpuSeconds: 100)
        let finished = run(name: "sigmoid-beta0.5-20270114-181500", beta: 0.5, learningRate: 1e-3, steps: 100, total: 100, state: .finished, seed: 2)
        let failed = run(name: "ipo-beta0.05-20270113-120000", beta: 0.05, learningRate: 5e-4, steps: 17, total: 100, state: .failed, seed: 3)
        state.runs = [live, finished, failed]
        state.screen = screen
        return state
    }
}
