import Foundation
import Training

/// Prints a run's events: on a terminal, one progress line redrawn in place (step, total, ETA, loss, accuracy);
/// otherwise plain lines, one per logged step, for logs and pipes. After each evaluation, a warning for each failure
/// mode that begins to fire (the workbench's Diagnostics screen, headless).
final class ProgressPrinter: @unchecked Sendable {
    private let lock = NSLock()
    private let interactive = isatty(STDOUT_FILENO) != 0
    private var stageStarted = Date()
    private var total = 0
    private var lineOpen = false
    private var thresholds = DiagnosticThresholds()
    private var train = MetricTable()
    private var eval = MetricTable()
    private var firing: Set<DiagnosticKind> = []

    /// Starts judging a new run's metrics against its experiment's `diagnostics.*` thresholds.
    func watch(_ thresholds: DiagnosticThresholds) {
        lock.withLock {
            self.thresholds = thresholds
            train = MetricTable()
            eval = MetricTable()
            firing = []
        }
    }

    func line(_ text: String) {
        lock.withLock {
            if lineOpen { print("") }
            lineOpen = false
            print(text)
            fflush(nil)
        }
    }

    func handle(_ event: TrainerEvent) {
        switch event {
        case .log(let text): line(text)
        case .stage(let name, let totalSteps):
            lock.withLock {
                stageStarted = Date()
                total = totalSteps
            }
            line("\(name): \(totalSteps) steps")
        case .metrics(let stage, let step, let values):
            if stage == .dpo { lock.withLock { train.append(values) } }
            progress(stage: stage, step: step, values: values)
        case .evaluation(let step, let values):
            // KTO has no accuracy: its KL reference point takes the place. A reward model logs its own names.
            let (name, value) = (values["eval_rewards/accuracies"] ?? values["eval_accuracy"]).map { ("accuracy", $0) }
                ?? ("kl", values["eval_kl"] ?? .nan)
            line(String(format: "eval @ step %d: loss %.4f, %@ %.3f, margin %.3f", step, values["eval_loss"] ?? .nan, name, value,
                        values["eval_rewards/margins"] ?? values["eval_margin"] ?? .nan))
            for diagnosis in newlyFired(values) {
                line("⚠ \(diagnosis.kind.title): \(diagnosis.detail)\n  \(diagnosis.kind.explanation); try \(diagnosis.kind.remedies)")
            }
        case .samples(let step, let count): line("samples @ step \(step): \(count) prompts")
        case .checkpoint(let step, let path): line("checkpoint @ step \(step): \(path)")
        case .state(let state, let message): line("run \(state.rawValue)" + (message.map { ": \($0)" } ?? ""))
        }
    }

    /// The failure modes that fire after this evaluation and did not before it.
    private func newlyFired(_ values: [String: Double]) -> [Diagnosis] {
        lock.withLock {
            eval.append(values)
            let fired = diagnose(train: train, eval: eval, thresholds: thresholds).filter { $0.verdict == .fired }
            defer { firing = Set(fired.map(\.kind)) }
            return fired.filter { !firing.contains($0.kind) }
        }
    }

    private func progress(stage: Stage, step: Int, values: [String: Double]) {
        lock.withLock {
            let elapsed = Date().timeIntervalSince(stageStarted)
            let eta = step > 0 ? elapsed / Double(step) * Double(max(0, total - step)) : 0
            let loss = String(format: "%.4f", values["loss"] ?? .nan)
            let accuracy = (values["rewards/accuracies"] ?? values["accuracy"]).map { String(format: " acc %.2f", $0) } ?? ""
            let margin = (values["rewards/margins"] ?? values["margin"]).map { String(format: " margin %.3f", $0) } ?? ""
            let counter = "\(stage) \(step)/\(total)"
            if interactive {
                let width = 20
                let filled = total > 0 ? min(width, width * step / total) : 0
                let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
                print("\r\(bar) \(counter) ETA \(clock(eta)) loss \(loss)\(accuracy)\(margin)\u{1B}[K", terminator: "")
                lineOpen = true
            } else {
                print("\(counter) elapsed \(clock(elapsed)) ETA \(clock(eta)) loss \(loss)\(accuracy)\(margin)")
            }
            fflush(nil)
        }
    }

    private func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return String(format: "%d:%02d", total / 60, total % 60)
    }
}
