/// The failure modes the DPO literature warns about, each with what it means and what usually helps.
public enum DiagnosticKind: String, CaseIterable, Sendable {
    case displacement, length, collapse, drift
    case betaIdle = "beta_idle"
    case overfitting
    case rewardHacking = "reward_hacking"
    case degenerate

    public var title: String {
        switch self {
        case .displacement: "likelihood displacement"
        case .length: "length exploitation"
        case .collapse: "entropy and diversity"
        case .drift: "KL from the reference"
        case .betaIdle: "β not acting yet"
        case .overfitting: "over-fitting"
        case .rewardHacking: "reward hacking"
        case .degenerate: "degenerate text"
        }
    }

    /// One line on what is happening when it fires.
    public var explanation: String {
        switch self {
        case .displacement:
            "chosen completions lose likelihood while the margin grows: DPO pushes both down, the rejected faster"
        case .length:
            "the margin follows the length difference, or samples grow longer: the policy learns length, not quality"
        case .collapse:
            "samples are far less varied than the reference's: the policy is collapsing onto a few phrasings"
        case .drift:
            "the policy moved far from the reference: the KL constraint is too weak for this data"
        case .betaIdle:
            "KL grows while the implicit margin β·Δ stays near 0: every pair still weighs σ(−β·Δ) ≈ ½, so the run "
                + "takes the path any smaller β would, with no KL brake until β·Δ nears 1"
        case .overfitting:
            "held-out loss rises while training loss falls: the pairs are being memorised"
        case .rewardHacking:
            "the implicit reward says better, the task's ground-truth reward does not"
        case .degenerate:
            "samples are not text: invalid UTF-8 or one phrase said over and over"
        }
    }

    /// The usual remedies, each a key of the experiment.
    public var remedies: String {
        switch self {
        case .displacement: "rpo_alpha (or loss_type: [sigmoid, sft]), higher beta, lower learning_rate"
        case .length: "rdpo_alpha, ld_alpha, loss_type: sigmoid_norm or simpo"
        case .collapse: "higher beta, lower learning_rate, fewer num_train_epochs"
        case .drift: "higher beta, lower learning_rate, fewer steps"
        case .betaIdle: "higher beta"
        case .overfitting: "fewer num_train_epochs, more pairs, label_smoothing, lower learning_rate"
        case .rewardHacking: "higher beta, label_smoothing, cleaner pairs, an earlier checkpoint"
        case .degenerate: "higher beta, lower learning_rate, rpo_alpha"
        }
    }

    /// The experiment keys that set when it fires.
    public var thresholdKeys: [String] {
        switch self {
        case .displacement: ["diagnostics.displacement_nats", "diagnostics.displacement_share"]
        case .length: ["diagnostics.length_correlation", "diagnostics.length_ratio"]
        case .collapse: ["diagnostics.diversity_ratio"]
        case .drift: ["diagnostics.kl_max"]
        case .betaIdle: ["diagnostics.idle_margin", "diagnostics.idle_kl"]
        case .overfitting: ["diagnostics.overfit_rise"]
        case .rewardHacking: ["diagnostics.hacking_margin"]
        case .degenerate: ["diagnostics.degenerate_share"]
        }
    }
}
