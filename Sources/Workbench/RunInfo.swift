import Foundation
import Training

/// One line of `samples.jsonl`.
public struct SampleRecord: Sendable, Equatable {
    public var step: Int
    public var prompt: String
    public var policy: String
    public var reference: String?
    public var rewardPolicy: Double?
    public var rewardReference: Double?

    public init(step: Int, prompt: String, policy: String, reference: String?, rewardPolicy: Double?, rewardReference: Double?) {
        self.step = step
        self.prompt = prompt
        self.policy = policy
        self.reference = reference
        self.rewardPolicy = rewardPolicy
        self.rewardReference = rewardReference
    }

    init?(_ object: [String: Any]) {
        guard let step = (object["step"] as? NSNumber)?.intValue else { return nil }
        self.init(step: step, prompt: object["prompt"] as? String ?? "", policy: object["policy"] as? String ?? "",
                  reference: object["reference"] as? String, rewardPolicy: (object["reward_policy"] as? NSNumber)?.doubleValue,
                  rewardReference: (object["reward_reference"] as? NSNumber)?.doubleValue)
    }
}

/// Who a run of the list is: its directory, or a job of this workbench that has not created one yet.
public enum RunID: Hashable, Sendable, CustomStringConvertible {
    case directory(String)
    case queued(job: Int)

    /// The run directory's path; nil while queued.
    public var path: String? {
        if case .directory(let path) = self { return path }
        return nil
    }

    public var description: String {
        switch self {
        case .directory(let path): path
        case .queued(let job): "queued job \(job)"
        }
    }
}

/// A run as the workbench shows it: its directory's files as last read, plus what its trainer reported when it
/// trains in this process.
public struct RunInfo: Sendable, Equatable {
    public var id: RunID
    /// The directory name, or the queued run's name.
    public var name: String
    public var status: RunStatus?
    /// A queued job of this workbench, not started yet.
    public var pending = false
    /// Trains on a thread of this process.
    public var ownedHere = false
    /// Marked active but its process is gone (heartbeat stale, pid dead).
    public var lost = false
    /// A stop was requested and the run has not ended yet.
    public var stopping = false
    public var pauseRequested = false
    public var beta: Double?
    public var learningRate: Double?
    public var labelSmoothing: Double?
    public var lossType: String?
    /// The run's `config.yaml` (or the experiment a queued job will run), once read.
    public var experiment: Experiment?
    public var metrics = MetricTable()
    public var sft = MetricTable()
    public var eval = MetricTable()
    public var samples: [SampleRecord] = []
    /// The last lines of `log.txt` (read for the run under the cursor).
    public var log: [String] = []
    /// The training process's CPU, memory and threads, while it runs on this machine.
    public var process: ProcessStats?
    /// The newest checkpoint folder, which a warm-start clone (`C`) starts from.
    public var latestCheckpoint: String?

    public init(id: RunID, name: String) {
        self.id = id
        self.name = name
    }

    /// The run directory's path; nil while queued.
    public var path: String? { id.path }

    /// The state word the Runs screen shows.
    public var stateLabel: String {
        if pending { return "queued" }
        if lost { return "lost" }
        if stopping, status?.state.isActive ?? true { return "stopping" }
        if pauseRequested, status?.state == .running { return "pausing" }
        return status?.state.rawValue ?? "?"
    }

    public var isActive: Bool { pending || (!lost && (status?.state.isActive ?? false)) }

    /// `β0.1 lr0.001 ε0`: what tells overlaid runs apart in a legend.
    public var legendLabel: String {
        var parts: [String] = []
        if let beta { parts.append("β\(LineChart.number(beta))") }
        if let learningRate { parts.append("lr\(LineChart.number(learningRate))") }
        if let labelSmoothing { parts.append("ε\(LineChart.number(labelSmoothing))") }
        return parts.isEmpty ? name : parts.joined(separator: " ")
    }

    /// Every failure mode's state, from the run's metrics as last read.
    public var diagnoses: [Diagnosis] {
        diagnose(train: metrics, eval: eval, thresholds: experiment?.diagnostics ?? DiagnosticThresholds())
    }

    /// The run's place on the reward-vs-KL frontier, once it has logged samples' KL and reward.
    public var frontier: (run: FrontierRun, referenceReward: Double?)? {
        experiment.flatMap { FrontierRun.make(run: name, experiment: $0, eval: eval) }
    }

    /// How many failure modes fired.
    public var warnings: Int { diagnoses.filter { $0.verdict == .fired }.count }

    /// Seconds left, from the pace so far of the current stage.
    public func eta(now: Double) -> Double? {
        guard let status, status.state == .running, status.step > 0, status.totalSteps >= status.step else { return nil }
        let table = status.stage == .sft ? sft : metrics
        let times = table.times.filter(\.isFinite)
        let perStep: Double
        if times.count >= 2, let first = times.first, let last = times.last, table.count >= 2 {
            perStep = (last - first) / Double(table.count - 1)
        } else {
            perStep = (status.heartbeat - status.startedAt) / Double(status.step)
        }
        guard perStep.isFinite, perStep >= 0 else { return nil }
        return max(0, perStep * Double(status.totalSteps - status.step))
    }
}

extension Experiment {
    /// The values a legend and the Runs table show.
    func apply(to run: inout RunInfo) {
        run.beta = loss.beta
        run.learningRate = learningRate
        run.labelSmoothing = loss.labelSmoothing
        run.lossType = loss.lossTypes.map(\.rawValue).joined(separator: "+")
        run.experiment = self
    }
}
