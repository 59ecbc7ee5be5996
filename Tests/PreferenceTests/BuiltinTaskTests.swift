import XCTest
@testable import Preference

final class BuiltinTaskTests: XCTestCase {
    private func texts(_ pair: PreferencePair) -> (prompt: String, chosen: String, rejected: String) {
        guard case .text(let prompt) = pair.prompt, case .text(let chosen) = pair.chosen,
              case .text(let rejected) = pair.rejected
        else { return ("", "", "") }
        return (prompt, chosen, rejected)
    }

    func testTasksAreDeterministicBySeedAndPrefixStable() {
        for name in BuiltinTasks.names {
            let task = BuiltinTasks.named(name, seed: 7)!
            XCTAssertEqual(task.pairs(.train, count: 20), BuiltinTasks.named(name, seed: 7)!.pairs(.train, count: 20))
            XCTAssertEqual(Array(task.pairs(.train, count: 40).prefix(20)), task.pairs(.train, count: 20), name)
            XCTAssertNotEqual(task.pairs(.train, count: 20), BuiltinTasks.named(name, seed: 8)!.pairs(.train, count: 20))
            XCTAssertEqual(task.sftCorpus(count: 30), BuiltinTasks.named(name, seed: 7)!.sftCorpus(count: 30))
        }
        XCTAssertNil(BuiltinTasks.named("nope"))
    }

    func testSplitsShareNoPrompt() {
        for name in BuiltinTasks.names {
            let task = BuiltinTasks.named(name)!
            let train = Set(task.prompts(.train, count: 2000))
            let heldOut = Set(task.prompts(.heldOut, count: 200))
            XCTAssertTrue(train.isDisjoint(with: heldOut), name)
            XCTAssertGreaterThan(heldOut.count, 150, "\(name): held-out prompts should be varied")
        }
    }

    func testSentimentPairsPreferTheHigherScoreAndAreNeverIdentical() {
        let task = BuiltinSentiment(seed: 1)
        for pair in task.pairs(.train, count: 300) {
            let (prompt, chosen, rejected) = texts(pair)
            XCTAssertNotEqual(chosen, rejected)
            XCTAssertTrue(chosen.hasPrefix(" ") && rejected.hasPrefix(" "), "completions continue the prompt")
            XCTAssertGreaterThanOrEqual(
                task.reward(prompt: prompt, completion: chosen) - task.reward(prompt: prompt, completion: rejected),
                BuiltinSentiment.minimumScoreGap, "\(prompt) | \(chosen) | \(rejected)")
        }
    }

    func testSentimentTextHasVariety() {
        let corpus = BuiltinSentiment(seed: 3).sftCorpus(count: 2000)
        let words = Set(corpus.flatMap { SentimentReward.tokens($0) })
        XCTAssertGreaterThan(words.count, 300)
        XCTAssertGreaterThan(Set(corpus).count, 1990)
        let scores = corpus.map(SentimentReward.score)
        XCTAssertGreaterThan(scores.filter { $0 > 0.7 }.count, 400, "the corpus mixes positive reviews…")
        XCTAssertGreaterThan(scores.filter { $0 < 0.3 }.count, 400, "…with negative ones")
    }

    func testEveryTemplateSlotHasWords() {
        var random = TaskRandom(seed: 0, stream: 0, salt: 0)
        let cast = ReviewWriter.Cast(&random)
        let templates = ReviewTemplates.clauseOpenings + ReviewTemplates.predicateOpenings
            + ReviewTemplates.clauseVerdicts + ReviewTemplates.predicateVerdicts + ReviewTemplates.sentences
        for template in templates {
            for positive in [true, false] {
                let text = ReviewWriter.fill(template, positive: positive, cast: cast, &random)
                XCTAssertFalse(text.contains("{") || text.contains("  ") || text.hasPrefix(" "), text)
            }
        }
    }

    func testSentimentRewardReadsValenceNegationAndContrast() {
        let score = SentimentReward.score
        XCTAssertEqual(score("The film runs 90 minutes."), 0.5)
        XCTAssertGreaterThan(score("It was wonderful."), 0.8)
        XCTAssertLessThan(score("It was awful."), 0.2)
        XCTAssertGreaterThan(score("It was not awful."), 0.5)
        XCTAssertLessThan(score("It wasn’t wonderful."), 0.5)
        XCTAssertGreaterThan(score("It was very good."), score("It was good."))
        XCTAssertLessThan(score("It was somewhat good."), score("It was good."))
        XCTAssertGreaterThan(score("The plot was dull, but the acting was brilliant."), 0.5)
        XCTAssertLessThan(score("The plot was brilliant, but the acting was dull."), 0.5)
        // Negation stops at a comma and reaches at most three words.
        XCTAssertGreaterThan(score("Not bad, just good."), 0.5)
        XCTAssertLessThan(score("Not that it was really at all bad."), 0.5)
        for text in ["", "!!!", "great great great great great great great great"] {
            XCTAssertTrue((0...1).contains(score(text)), text)
        }
    }

    func testArithmeticRejectedAnswersArePlausibleAndWrong() {
        let task = BuiltinArithmetic(seed: 2)
        for pair in task.pairs(.train, count: 500) {
            let (prompt, chosen, rejected) = texts(pair)
            XCTAssertTrue(prompt.hasPrefix("Question: What is ") && prompt.hasSuffix("?\nAnswer:"), prompt)
            XCTAssertEqual(task.reward(prompt: prompt, completion: chosen), 1, prompt + chosen)
            XCTAssertEqual(task.reward(prompt: prompt, completion: rejected), 0, prompt + rejected)
            let right = ArithmeticReward.firstInteger(in: chosen)!
            let wrong = ArithmeticReward.firstInteger(in: rejected)!
            XCTAssertGreaterThanOrEqual(wrong, 0, prompt)
            XCTAssertLessThanOrEqual(abs(String(right).count - String(wrong).count), 1, "\(prompt) \(wrong)")
        }
    }

    func testArithmeticRewardParsesAnswersLoosely() {
        let prompt = "Question: What is 37 + 48?\nAnswer:"
        XCTAssertEqual(ArithmeticReward.score(prompt: prompt, completion: " 85"), 1)
        XCTAssertEqual(ArithmeticReward.score(prompt: prompt, completion: " 85, since 37 + 48 = 85."), 1)
        XCTAssertEqual(ArithmeticReward.score(prompt: prompt, completion: " 75"), 0)
        XCTAssertEqual(ArithmeticReward.score(prompt: prompt, completion: " eighty-five"), 0)
        XCTAssertEqual(ArithmeticReward.score(prompt: "What is 37 + 48?", completion: " 85"), 0)
        XCTAssertEqual(ArithmeticReward.score(prompt: "Question: What is 12 - 20?\nAnswer:", completion: " -8"), 1)
    }
}
