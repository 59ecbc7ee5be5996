import Kernels

extension Transformer {
    /// Runs the trunk over `batch` and returns the final-RMSNorm hidden states of `rows`, `(rows.count, hidden)`
    /// row-major: what a head other than the LM head reads (a reward model's score). The LM head does not run.
    public func hiddenStates(_ batch: PackedBatch, rows: [Int32]) throws -> [Float] {
        precondition(rows.allSatisfy { $0 >= 0 && Int($0) < batch.rows }, "a hidden-state row outside the batch")
        try forwardTrunk(batch, targets: 0, logitRows: 0)
        head = .hiddenStates(rows: rows)
        let c = config.hiddenSize
        var states = [Float](repeating: 0, count: rows.count * c)
        states.withUnsafeMutableBufferPointer { states in
            for (m, row) in rows.enumerated() {
                (states.baseAddress! + m * c).update(from: activations.finalNorm.pointer + Int(row) * c, count: c)
            }
        }
        return states
    }

    /// Accumulates into `gradients` the gradient of a loss whose derivative with respect to the hidden states the
    /// last `hiddenStates` returned is `dStates`, `(rows.count, hidden)`; a row named twice gets both.
    public func backwardHiddenStates(_ dStates: [Float]) {
        guard let batch, case .hiddenStates(let rows) = head else {
            preconditionFailure("backwardHiddenStates needs a hiddenStates pass first")
        }
        let c = config.hiddenSize
        precondition(dStates.count == rows.count * c, "one gradient per hidden-state element")
        activations.dNorm.zero(batch.rows * c)
        dStates.withUnsafeBufferPointer { dStates in
            for (m, row) in rows.enumerated() {
                addInPlace(activations.dNorm.pointer + Int(row) * c, dStates.baseAddress! + m * c, count: c)
            }
        }
        backwardTrunk()
    }
}
