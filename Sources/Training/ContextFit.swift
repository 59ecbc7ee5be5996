import Preference

/// A pair longer than the model's context would reach rotary positions the model never saw (and the packed batch
/// refuses them without saying which pair): such pairs are named before any work, with the limit to lower.
public enum ContextFit {
    /// Throws a `TrainingError` naming the pairs whose prompt and longer completion exceed `maxPositions` tokens.
    public static func check(_ pairs: [TokenizedPair], maxPositions: Int) throws {
        let tooLong = pairs.filter { $0.tokenCount > maxPositions }
        guard !tooLong.isEmpty else { return }
        let longest = tooLong.map(\.tokenCount).max()!
        throw TrainingError(
            "\(tooLong.count) pair\(tooLong.count == 1 ? " does" : "s do") not fit the model's context "
                + "(max_position_embeddings \(maxPositions), longest \(longest) tokens): \(tooLong.map(\.source).listed()); "
                + "set max_length to \(maxPositions) or less")
    }
}
