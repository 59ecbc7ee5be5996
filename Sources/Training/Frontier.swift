import Foundation
import Model

/// The DPO paper's reward-vs-KL frontier (Rafailov et al. 2023, §6.1, Fig. 2 left) read from a folder of runs:
/// each run's held-out samples at every evaluation, as the mean KL(π ‖ π_ref) of the policy's samples against their
/// mean ground-truth reward, plus the reference model's own point at KL 0.
///
/// The trainer writes `samples/kl`, `samples/reward` and `samples/reference_reward` into each `eval.jsonl` row when
/// the experiment has `samples:` and the task a ground-truth reward; runs without them are listed in `skipped`.
public struct Frontier: Sendable, Equatable, Codable {
    public var runs: [FrontierRun]
    /// The reference (SFT) model's samples' mean reward: the mean over runs of each one's last
    /// `samples/reference_reward`. Runs that share the SFT model and the sample prompts agree on it; nil when no
    /// run logged it.
    public var referenceReward: Double?
    public var skipped: [SkippedRun]

    public init(runs: [FrontierRun], referenceReward: Double?, skipped: [SkippedRun] = []) {
        self.runs = runs
        self.referenceReward = referenceReward
        self.skipped = skipped
    }

    enum CodingKeys: String, CodingKey {
        case runs, skipped
        case referenceReward = "reference_reward"
    }

    static let klKey = "samples/kl"
    static let rewardKey = "samples/reward"
    static let referenceRewardKey = "samples/reference_reward"
    static let rewardErrorKey = "samples/reward_se"
    static let marginKey = "eval_rewards/margins"

    /// Reads every run directory (a folder with `config.yaml`) directly inside `runsDirectory`. Runs come sorted by
    /// method, β and name, their points by step.
    public static func read(runsDirectory: URL) throws -> Frontier {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: runsDirectory.path)
        } catch {
            throw FileProblem("cannot list", runsDirectory.path, error)
        }
        var runs: [(run: FrontierRun, referenceReward: Double?)] = [], skipped: [SkippedRun] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let run = RunDirectory(url: runsDirectory.appendingPathComponent(name))
            guard FileManager.default.fileExists(atPath: run.configURL.path) else { continue }
            switch Result(catching: { try FrontierRun.read(run) }) {
            case .success(let read?): runs.append(read)
            case .success(nil): skipped.append(SkippedRun(run: name, reason: "no \(klKey) and \(rewardKey) in \(RunDirectory.evalFile)"))
            case .failure(let error): skipped.append(SkippedRun(run: name, reason: "\(error)"))
            }
        }
        return Frontier(combining: runs, skipped: skipped)
    }

    /// The frontier of runs already read (`FrontierRun.make`), sorted by method, β and name; the reference reward is
    /// the mean of the runs' own.
    public init(combining runs: [(run: FrontierRun, referenceReward: Double?)], skipped: [SkippedRun] = []) {
        let rewards = runs.compactMap(\.referenceReward)
        self.init(runs: runs.map(\.run).sorted(by: FrontierRun.order),
                  referenceReward: rewards.isEmpty ? nil : rewards.reduce(0, +) / Double(rewards.count), skipped: skipped)
    }
}

/// One run on the frontier: how it trained and where its evaluations landed.
public struct FrontierRun: Sendable, Equatable, Codable {
    public var run: String
    /// The loss type (`sigmoid`, `sft`, `unlikelihood`, types joined by `+` for a mix), or `online-dpo` for Online
    /// DPO (`online-<loss>` with another loss).
    public var method: String
    /// Nil when no configured loss reads β (`sft`, `unlikelihood`), so a chart does not label a run with a value
    /// that did not shape it.
    public var beta: Double?
    public var points: [FrontierPoint]

    public init(run: String, method: String, beta: Double?, points: [FrontierPoint]) {
        self.run = run
        self.method = method
        self.beta = beta
        self.points = points
    }

    /// The losses whose value does not depend on β (their rewards metrics still use it).
    static let betaFreeLosses: Set<LossType> = [.sft, .unlikelihood]

    /// The method label of an experiment, as the frontier's legend names it.
    public static func method(of experiment: Experiment) -> String {
        let losses = experiment.loss.lossTypes.map(\.rawValue).joined(separator: "+")
        guard experiment.online.enabled else { return losses }
        return losses == LossType.sigmoid.rawValue ? "online-dpo" : "online-\(losses)"
    }

    /// The run's points and its last reference reward, or nil when no evaluation logged samples' KL and reward.
    static func read(_ run: RunDirectory) throws -> (run: FrontierRun, referenceReward: Double?)? {
        let experiment = try run.readConfig()
        // A table keeps rows in step order; a journal written by hand may not be.
        let rows = try run.records(RunDirectory.evalFile).map { $0.compactMapValues { ($0 as? NSNumber)?.doubleValue } }
        var eval = MetricTable()
        for row in rows.sorted(by: { ($0["step"] ?? -.infinity) < ($1["step"] ?? -.infinity) }) { eval.append(row) }
        return make(run: run.id, experiment: experiment, eval: eval)
    }

    /// A run's points from its evaluations as the workbench holds them (`samples/kl`, `samples/reward` by step),
    /// and its last reference reward; nil when no evaluation logged samples' KL and reward.
    public static func make(run: String, experiment: Experiment, eval: MetricTable) -> (run: FrontierRun, referenceReward: Double?)? {
        guard let kl = eval.column(Frontier.klKey), let reward = eval.column(Frontier.rewardKey) else { return nil }
        let error = eval.column(Frontier.rewardErrorKey), margin = eval.column(Frontier.marginKey)
        let finite = { (column: [Double]?, row: Int) in column.map { $0[row] }.flatMap { $0.isFinite ? $0 : nil } }
        let points = eval.steps.indices.filter { kl[$0].isFinite && reward[$0].isFinite }.map { row in
            FrontierPoint(step: Int(eval.steps[row]), kl: kl[row], reward: reward[row],
                          rewardSE: finite(error, row), margin: finite(margin, row))
        }
        guard !points.isEmpty else { return nil }
        let usesBeta = !Set(experiment.loss.lossTypes).isSubset(of: betaFreeLosses)
        let frontierRun = FrontierRun(run: run, method: method(of: experiment), beta: usesBeta ? experiment.loss.beta : nil, points: points)
        return (frontierRun, eval.last(Frontier.referenceRewardKey))
    }

    /// Method, then β (runs without one first), then name.
    static func order(_ a: FrontierRun, _ b: FrontierRun) -> Bool {
        if a.method != b.method { return a.method < b.method }
        if a.beta != b.beta { return (a.beta ?? -.infinity) < (b.beta ?? -.infinity) }
        return a.run < b.run
    }
}

/// One evaluation of a run: the policy's samples' mean KL from the reference (nats per sample) and mean reward.
public struct FrontierPoint: Sendable, Equatable, Codable {
    public var step: Int
    public var kl: Double
    public var reward: Double
    /// The reward's standard error over the evaluation's samples (`samples/reward_se`), when logged.
    public var rewardSE: Double?
    /// The held-out pairs' implicit reward margin β·Δ (`eval_rewards/margins`), when logged.
    public var margin: Double?

    public init(step: Int, kl: Double, reward: Double, rewardSE: Double? = nil, margin: Double? = nil) {
        self.step = step
        self.kl = kl
        self.reward = reward
        self.rewardSE = rewardSE
        self.margin = margin
    }
}

/// A run directory the frontier could not use, and why.
public struct SkippedRun: Sendable, Equatable, Codable {
    public var run: String
    public var reason: String

    public init(run: String, reason: String) {
        self.run = run
        self.reason = reason
    }
}
