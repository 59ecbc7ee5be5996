import Foundation
import Model
import Preference

extension PreferenceStage {
    /// Makes round `number` current before its steps: at its first step, its pairs are sampled from the policy as
    /// it stands, which becomes the reference, and the optimizer starts afresh (the authors run each iteration as a
    /// new training job); in its middle (a resume), the pairs and reference kept in the run come back.
    func enterRound(_ number: Int, at step: Int) throws {
        guard let sppo, round?.number != number else { return }
        let made: SPPORound
        if let saved = try sppo.load(number) {
            made = saved.round
            referenceModel = saved.reference
        } else {
            guard step == sppo.firstStep(of: number) else {
                throw TrainingError("SPPO round \(number)'s pairs are missing from \(sppo.directory.path): the run cannot resume at step \(step)")
            }
            let reference = try model.copy()
            emit(.log("sppo round \(number): sampling \(sppo.settings.samples) completions of \(sppo.settings.prompts) prompts"))
            made = try SPPORound.make(policy: model, prompts: sppo.prompts(for: number), iteration: number, tokenizer: sppo.tokenizer,
                                      judge: sppo.judge, settings: sppo.settings, seed: experiment.seed) { _, _ in
                if self.control.stopRequested { throw StopWhileSampling() }
            }
            try sppo.save(made, reference: reference)
            try record(made, step: step)
            referenceModel = reference
            let line = made.report
            try? runDirectory.log(line)
            emit(.log(line))
        }
        if step == sppo.firstStep(of: number) { optimizer.reset() }
        round = (number, made, made.tokenizedPairs)
        onlineEvalReference = nil
    }

    /// A new round's pairs into `generated_pairs.jsonl` (with both scores and win probabilities), dated by the
    /// round's first step so a resume before it drops them; its distributions into `sppo_rounds.jsonl`. A prompt
    /// whose samples all tied gives a pair of one completion twice: it trains (toward the reference, as the
    /// authors' code does) but is no preference, so it stays out of the file, counted in the round's line.
    private func record(_ round: SPPORound, step: Int) throws {
        guard let tokenizer = sppo?.tokenizer else { return }
        for pair in round.pairs where !pair.isTie {
            try runDirectory.append([
                "step": step, "iteration": round.iteration, "prompt": tokenizer.decode(pair.prompt, skipSpecialTokens: true),
                "chosen": tokenizer.decode(pair.chosen, skipSpecialTokens: true),
                "rejected": tokenizer.decode(pair.rejected, skipSpecialTokens: true),
                "score_chosen": pair.scoreChosen, "score_rejected": pair.scoreRejected,
                "prob_chosen": pair.probabilities.chosen, "prob_rejected": pair.probabilities.rejected, "judge": round.judge,
            ], to: RunDirectory.generatedPairsFile)
        }
        try runDirectory.append(round.summary(step: step), to: RunDirectory.sppoRoundsFile)
    }
}

/// A stop requested while a round samples: the step is not taken, and the run checkpoints before it.
struct StopWhileSampling: Error {}
