import Foundation

extension Experiment {
    /// The texts `builtin:tiny`'s BPE vocabulary is trained on at the start of a run, so that a viewer (the
    /// workbench's Data screen) can count tokens exactly as the run will.
    public func tokenizerCorpus() throws -> [String] { try TrainingData.tokenizerCorpus(experiment: self) }
}
