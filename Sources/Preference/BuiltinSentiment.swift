import Foundation

/// A miniature of the DPO paper's controlled-sentiment experiment (IMDb there, generated reviews here).
///
/// Prompts are review openings that say nothing about the verdict; completions finish the review with a
/// randomly drawn share of positive sentences; `SentimentReward` is the ground truth, and a pair prefers the
/// completion it scores higher. As in the paper, a policy succeeds by raising the reward of its completions
/// while staying close to the reference model.
public struct BuiltinSentiment: BuiltinTask {
    public let seed: UInt64

    public init(seed: UInt64 = 0) {
        self.seed = seed
    }

    public var name: String { "sentiment" }

    public var summary: String {
        "movie-review openings; chosen completions read more positive under a lexicon sentiment score"
    }

    /// Scores differ at least this much within a pair, so the preference is never a coin flip. At 0.25 a pair's
    /// two completions differ clearly in tone, which a model of the demo's size learns from 2,000 pairs; near-ties
    /// (a gap of 0.1) held a 1M-parameter policy at ~0.8 held-out accuracy.
    public static let minimumScoreGap = 0.25

    public func sftCorpus(count: Int) -> [String] {
        drawItems(.train, count: count, seed: seed, salt: 1, prompt: \.prompt) { random in
            let opening = Opening(&random)
            return PromptedText(
                prompt: opening.prompt, text: opening.prompt + continuation(opening, positivity: random.unit(), &random))
        }.map(\.text)
    }

    public func pairs(_ split: Split, count: Int) -> [PreferencePair] {
        let items = drawItems(split, count: count, seed: seed, salt: 2, prompt: { $0.prompt }) { random in
            let opening = Opening(&random)
            for _ in 0..<16 {
                let first = continuation(opening, positivity: random.unit(), &random)
                let second = continuation(opening, positivity: random.unit(), &random)
                let scores = (reward(prompt: opening.prompt, completion: first),
                              reward(prompt: opening.prompt, completion: second))
                guard abs(scores.0 - scores.1) >= Self.minimumScoreGap else { continue }
                return (prompt: opening.prompt, chosen: scores.0 > scores.1 ? first : second,
                        rejected: scores.0 > scores.1 ? second : first)
            }
            return nil
        }
        return items.enumerated().map { index, item in
            PreferencePair(
                prompt: .text(item.prompt), chosen: .text(item.chosen), rejected: .text(item.rejected),
                source: SourceLocation(file: "builtin:sentiment/\(split.rawValue)", line: index + 1))
        }
    }

    public func reward(prompt: String, completion: String) -> Double {
        SentimentReward.score(prompt + completion)
    }

    /// The rest of a review: the verdict that completes the opening's sentence, then one to three sentences,
    /// each positive with probability `positivity`. Starts with a space, as a continuation of the prompt.
    func continuation(_ opening: Opening, positivity: Double, _ random: inout TaskRandom) -> String {
        let verdicts = opening.isPredicate ? ReviewTemplates.predicateVerdicts : ReviewTemplates.clauseVerdicts
        var text = " " + ReviewWriter.fill(
            random.pick(verdicts), positive: random.chance(positivity), cast: opening.cast, &random,
            capitalized: false) + "."
        for _ in 0...random.below(3) {
            text += " " + ReviewWriter.fill(
                random.pick(ReviewTemplates.sentences), positive: random.chance(positivity), cast: opening.cast,
                &random)
        }
        return text
    }
}

/// A review's opening (the prompt) and the names the rest of the review keeps referring to.
struct Opening {
    let prompt: String
    let isPredicate: Bool
    let cast: ReviewWriter.Cast

    init(_ random: inout TaskRandom) {
        cast = ReviewWriter.Cast(&random)
        isPredicate = random.below(3) == 0
        let templates = isPredicate ? ReviewTemplates.predicateOpenings : ReviewTemplates.clauseOpenings
        prompt = ReviewWriter.fill(random.pick(templates), positive: true, cast: cast, &random)
    }
}

/// Fills templates' slots and tidies the result into a sentence.
enum ReviewWriter {
    struct Cast {
        let movie: String
        let actor: String
        let director: String

        init(_ random: inout TaskRandom) {
            movie = "The \(random.pick(ReviewTemplates.titleWords.first)) \(random.pick(ReviewTemplates.titleWords.second))"
            actor = "\(random.pick(ReviewTemplates.firstNames)) \(random.pick(ReviewTemplates.lastNames))"
            director = "\(random.pick(ReviewTemplates.firstNames)) \(random.pick(ReviewTemplates.lastNames))"
        }
    }

    static func fill(
        _ template: String, positive: Bool, cast: Cast, _ random: inout TaskRandom, capitalized: Bool = true
    ) -> String {
        var text = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            text += rest[..<open]
            text += word(for: rest[rest.index(after: open)..<close], positive: positive, cast: cast, &random)
            rest = rest[rest.index(after: close)...]
        }
        text += rest
        var words = text.split(separator: " ")
        for index in words.indices.dropLast() where words[index].lowercased() == "a" {
            if let first = words[index + 1].first, "aeiouAEIOU".contains(first) { words[index] += "n" }
        }
        let sentence = words.joined(separator: " ").replacingOccurrences(of: " ,", with: ",")
        guard capitalized, let first = sentence.first else { return sentence }
        return first.uppercased() + sentence.dropFirst()
    }

    private static func word(
        for slot: Substring, positive: Bool, cast: Cast, _ random: inout TaskRandom
    ) -> String {
        typealias Lexicon = SentimentLexicon
        let polar = { (positiveWords: [String], negativeWords: [String], flip: Bool) -> [String] in
            positive != flip ? positiveWords : negativeWords
        }
        switch slot {
        case "adj", "adj~":
            return random.pick(polar(Lexicon.words(Lexicon.positiveAdjectives),
                                     Lexicon.words(Lexicon.negativeAdjectives), slot == "adj~"))
        case "noun", "noun~":
            return random.pick(polar(Lexicon.words(Lexicon.positiveNouns), Lexicon.words(Lexicon.negativeNouns),
                                     slot == "noun~"))
        case "verb": return random.pick(polar(Lexicon.words(Lexicon.positiveVerbs), Lexicon.words(Lexicon.negativeVerbs), false))
        case "emotion":
            return random.pick(polar(Lexicon.words(Lexicon.positiveEmotions), Lexicon.words(Lexicon.negativeEmotions), false))
        case "deg": return random.chance(0.5) ? random.pick(ReviewTemplates.degrees) : ""
        case "movie": return cast.movie
        case "actor": return cast.actor
        case "director": return cast.director
        case "genre": return random.pick(ReviewTemplates.genres)
        case "aspect": return random.pick(ReviewTemplates.aspects)
        case "role": return random.pick(ReviewTemplates.roles)
        case "place": return random.pick(ReviewTemplates.places)
        case "plain": return random.pick(ReviewTemplates.plainAdjectives)
        case "relative": return random.pick(ReviewTemplates.relatives)
        case "day": return random.pick(ReviewTemplates.days)
        case "venue": return random.pick(ReviewTemplates.venues)
        case "weather": return random.pick(ReviewTemplates.weather)
        case "minutes": return String(85 + random.below(80))
        default: preconditionFailure("review template slot {\(slot)} has no words")
        }
    }
}
