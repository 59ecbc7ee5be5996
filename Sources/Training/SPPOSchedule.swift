import Foundation
import Model
import Preference
import Tokenizer

/// How an SPPO run's steps fall into rounds and where each round's data lives. Round t covers steps
/// (t − 1)·S + 1 … t·S and takes the next `sppo.prompts` training prompts (wrapping around the set), as the
/// authors give each iteration its own prompts.
///
/// A round's pairs and its reference (the policy at its start) are kept in `sppo/` until no resume can need them:
/// a run resumed in the middle of round t trains on round t's pairs against round t's reference, bit for bit.
struct SPPOSchedule {
    let settings: SPPOSettings
    let seed: Int
    let tokenizer: BPETokenizer
    let judge: any Judge
    /// Every training prompt; each round takes its slice.
    let prompts: [TokenizedPair]
    let stepsPerRound: Int
    let directory: URL

    func round(of step: Int) -> Int { (step - 1) / stepsPerRound + 1 }
    func firstStep(of round: Int) -> Int { (round - 1) * stepsPerRound + 1 }
    func endsRound(_ step: Int) -> Bool { step % stepsPerRound == 0 }
    /// The step's place in its round, from 1, for the round's own learning-rate schedule.
    func stepInRound(_ step: Int) -> Int { step - firstStep(of: round(of: step)) + 1 }

    func prompts(for round: Int) -> [TokenizedPair] {
        (0..<settings.prompts).map { prompts[((round - 1) * settings.prompts + $0) % prompts.count] }
    }

    private func roundURL(_ round: Int) -> URL { directory.appendingPathComponent("round-\(round).json") }
    private func referenceURL(_ round: Int) -> URL { directory.appendingPathComponent("reference-\(round)") }

    /// A round made earlier in this run, with its reference, or nil when it was never made.
    func load(_ round: Int) throws -> (round: SPPORound, reference: Transformer)? {
        guard let data = try? Data(contentsOf: roundURL(round)) else { return nil }
        let saved = try JSONDecoder().decode(SPPORound.self, from: data)
        guard FileManager.default.fileExists(atPath: referenceURL(round).appendingPathComponent("config.json").path) else {
            throw TrainingError("\(roundURL(round).path) has no reference model beside it (\(referenceURL(round).path)); "
                                + "a round cannot resume without the policy it started from")
        }
        return (saved, try Transformer.load(directory: referenceURL(round)))
    }

    /// Keeps a new round: the reference directory whole or not at all (written beside it, then renamed), then the
    /// pairs, whose presence says the round exists.
    func save(_ round: SPPORound, reference: Transformer) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        let partial = directory.appendingPathComponent(".reference-\(round.iteration).partial")
        try? manager.removeItem(at: partial)
        try? manager.removeItem(at: referenceURL(round.iteration))
        try reference.save(directory: partial)
        try manager.moveItem(at: partial, to: referenceURL(round.iteration))
        try AtomicFile.write(try JSONEncoder().encode(round), to: roundURL(round.iteration))
    }

    /// Forgets the rounds that start after `step`, for a resume from a checkpoint at `step` (they are made again,
    /// from the policy the resumed run reaches).
    func discardRounds(after step: Int) {
        var round = (step + stepsPerRound - 1) / stepsPerRound + 1
        while FileManager.default.fileExists(atPath: roundURL(round).path) || FileManager.default.fileExists(atPath: referenceURL(round).path) {
            try? FileManager.default.removeItem(at: roundURL(round))
            try? FileManager.default.removeItem(at: referenceURL(round))
            round += 1
        }
    }

    /// Deletes the references no resume can need once a checkpoint at `step` exists: those of earlier rounds.
    func pruneReferences(checkpointAt step: Int) {
        for round in 1..<max(1, self.round(of: step + 1)) { try? FileManager.default.removeItem(at: referenceURL(round)) }
    }

    /// Win probabilities of held-out pairs for the evaluation loss: the estimate with the pair's two completions as
    /// the samples, P̂_c = (½ + P(c ≻ r)) / 2 and P̂_r = (½ + P(r ≻ c)) / 2.
    func heldOutProbabilities(_ pairs: [TokenizedPair]) throws -> [WinProbabilities] {
        let prompts = pairs.map { tokenizer.decode($0.prompt, skipSpecialTokens: true) }
        let completions = pairs.flatMap { [tokenizer.decode($0.chosen, skipSpecialTokens: true), tokenizer.decode($0.rejected, skipSpecialTokens: true)] }
        let scores = try judge.scores(prompts: prompts.flatMap { [$0, $0] }, completions: completions)
        return pairs.indices.map { i in
            let (chosen, rejected) = (scores[2 * i], scores[2 * i + 1])
            return WinProbabilities(chosen: (0.5 + judge.winProbability(chosen, over: rejected)) / 2,
                                    rejected: (0.5 + judge.winProbability(rejected, over: chosen)) / 2)
        }
    }
}
