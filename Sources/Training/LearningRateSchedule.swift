import Foundation

/// Learning-rate schedules as Hugging Face's `get_scheduler` defines them, so a TRL user's `lr_scheduler_type`
/// and `warmup_steps` mean the same here: optimizer step k (0-based) uses `learning_rate · λ(k)`, with linear
/// warmup λ(k) = k / warmup for k < warmup (the first step of a warmed-up run has learning rate 0, as in HF).
public enum LearningRateSchedule: String, Sendable, Codable, CaseIterable {
    case constant
    case linear
    case cosine

    /// The learning rate of 1-based optimizer step `step` out of `totalSteps`.
    public func rate(step: Int, totalSteps: Int, warmupSteps: Int, base: Double) -> Double {
        let k = Double(step - 1)
        let warmup = Double(warmupSteps)
        if k < warmup { return base * k / max(1, warmup) }
        let decaySteps = max(1, Double(totalSteps) - warmup)
        let progress = (k - warmup) / decaySteps
        switch self {
        case .constant: return base
        case .linear: return base * max(0, 1 - progress)
        case .cosine: return base * max(0, 0.5 * (1 + cos(.pi * progress)))
        }
    }
}
