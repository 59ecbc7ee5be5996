import Model

/// Each completion's summed log-probability given its prompt under `model` (0 for an empty completion), for
/// scoring samples rather than pairs. Consecutive completions of one prompt share the prompt in the packed batch
/// (as the online methods pass them), and every completion is computed once; a pair batch would compute a lone
/// completion twice, as its chosen and its rejected side.
/// - Parameters:
///   - prompts, completions: token ids, one prompt per completion.
///   - batchSize: completions per forward pass (a prompt's completions are not split).
public func completionLogProbs(
    model: Transformer, prompts: [[Int32]], completions: [[Int32]], batchSize: Int
) throws -> [Double] {
    precondition(prompts.count == completions.count, "one prompt per completion")
    var result = [Double](repeating: 0, count: completions.count)
    var start = 0
    while start < completions.count {
        var packed = PackedBatch()
        var scored: [(index: Int, targets: Range<Int>)] = []
        var next = start
        while next < completions.count, next - start < max(1, batchSize) {
            var end = next + 1
            while end < completions.count, prompts[end] == prompts[next] { end += 1 }
            let indices = (next..<end).filter { !completions[$0].isEmpty }
            if prompts[next].isEmpty {
                for i in indices { scored.append((i, packed.appendUnprompted(completions[i]))) }
            } else if !indices.isEmpty {
                let ranges = packed.appendShared(prompt: prompts[next], completions: indices.map { completions[$0] })
                scored += zip(indices, ranges).map { ($0, $1) }
            }
            next = end
        }
        if packed.targetCount > 0 {
            let logp = try model.forward(packed)
            for (index, targets) in scored { result[index] = targets.reduce(0) { $0 + Double(logp[$1]) } }
        }
        start = next
    }
    return result
}
