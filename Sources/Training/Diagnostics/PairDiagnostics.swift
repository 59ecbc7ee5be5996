/// What the pairs' log-probs say about likelihood displacement and length exploitation, from the numbers the loss
/// already has (only meaningful against a reference, so the trainer asks for them only when it has one).
///
/// - `diagnostics/chosen_shift`: the mean over pairs of π(chosen) − π_ref(chosen), nats. DPO only constrains the
///   margin, so both completions can lose likelihood while accuracy climbs ("likelihood displacement",
///   Razin et al. 2024; Pal et al. 2024 for the fix through an NLL term).
/// - `diagnostics/chosen_fell`: the share of pairs whose chosen completion lost likelihood.
/// - `diagnostics/length_correlation` (with `lengths`): Pearson's correlation over the pairs of the implicit reward
///   margin Δ with the length difference |y_c| − |y_r| (Park et al. 2024 on R-DPO); absent when either is constant
///   (a journal holds no NaN).
///
/// - Precondition: `pairs` is not empty.
public func pairDiagnostics(_ pairs: [PairLogProbs], lengths: Bool) -> [String: Double] {
    precondition(!pairs.isEmpty, "pairDiagnostics needs at least one pair")
    let shifts = pairs.map { $0.policyChosen - $0.referenceChosen }
    var metrics = [
        "diagnostics/chosen_shift": shifts.reduce(0, +) / Double(pairs.count),
        "diagnostics/chosen_fell": Double(shifts.filter { $0 < 0 }.count) / Double(pairs.count),
    ]
    if lengths {
        let margins = pairs.map { ($0.policyChosen - $0.referenceChosen) - ($0.policyRejected - $0.referenceRejected) }
        let correlation = pearson(margins, pairs.map { Double($0.chosenTokens - $0.rejectedTokens) })
        if correlation.isFinite { metrics["diagnostics/length_correlation"] = correlation }
    }
    return metrics
}

/// Pearson's correlation coefficient of two equally long series; NaN when either has no variance.
func pearson(_ x: [Double], _ y: [Double]) -> Double {
    precondition(x.count == y.count, "pearson needs two series of one length")
    let n = Double(x.count)
    let meanX = x.reduce(0, +) / n, meanY = y.reduce(0, +) / n
    var covariance = 0.0, varianceX = 0.0, varianceY = 0.0
    for (a, b) in zip(x, y) {
        covariance += (a - meanX) * (b - meanY)
        varianceX += (a - meanX) * (a - meanX)
        varianceY += (b - meanY) * (b - meanY)
    }
    guard varianceX > 0, varianceY > 0 else { return .nan }
    return covariance / (varianceX * varianceY).squareRoot()
}
