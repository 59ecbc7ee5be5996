/// The words of the sentiment task, with the valences its reward uses.
///
/// The review generator draws its sentiment-bearing words from these same lists, so what the text says and what
/// the reward measures cannot drift apart. Valences run from 1 (mild) to 3 (strong), negative for negative words.
enum SentimentLexicon {
    static let positiveAdjectives: [(words: [String], strength: Double)] = [
        (["wonderful", "brilliant", "superb", "outstanding", "magnificent", "breathtaking", "marvelous",
          "masterful", "extraordinary", "sublime", "exceptional", "phenomenal"], 3),
        (["excellent", "stunning", "delightful", "gripping", "riveting", "thrilling", "captivating", "beautiful",
          "gorgeous", "hilarious", "moving", "powerful", "fantastic", "terrific", "compelling", "inventive",
          "heartfelt", "enchanting"], 2),
        (["charming", "touching", "clever", "witty", "funny", "fresh", "original", "engaging", "enjoyable",
          "entertaining", "memorable", "elegant", "tender", "warm", "solid", "good", "nice", "lovely", "sharp",
          "polished", "vivid", "likable"], 1),
    ]

    static let negativeAdjectives: [(words: [String], strength: Double)] = [
        (["awful", "terrible", "horrible", "dreadful", "unbearable", "atrocious", "abysmal", "unwatchable",
          "dismal", "miserable"], 3),
        (["dull", "boring", "tedious", "lifeless", "incoherent", "pointless", "painful", "laughable",
          "disappointing", "bad", "joyless", "irritating", "pretentious", "clumsy", "sloppy", "hollow"], 2),
        (["bland", "messy", "predictable", "forgettable", "shallow", "confusing", "lazy", "weak", "flat", "stiff",
          "wooden", "cheap", "tiresome", "silly", "poor", "mediocre", "uninspired", "derivative", "overlong",
          "stale", "muddled", "awkward"], 1),
    ]

    static let positiveNouns: [(words: [String], strength: Double)] = [
        (["masterpiece", "triumph", "marvel"], 3),
        (["gem", "delight", "treat", "joy", "pleasure", "success"], 2),
    ]

    static let negativeNouns: [(words: [String], strength: Double)] = [
        (["disaster", "catastrophe", "failure"], 3),
        (["mess", "bore", "letdown", "chore", "waste", "slog", "dud", "misfire"], 2),
    ]

    /// Past tense, as in "I loved it".
    static let positiveVerbs: [(words: [String], strength: Double)] = [
        (["loved", "adored", "cherished"], 3),
        (["enjoyed", "admired", "relished", "savored"], 2),
        (["liked", "appreciated"], 1),
    ]

    static let negativeVerbs: [(words: [String], strength: Double)] = [
        (["hated", "loathed", "despised"], 3),
        (["disliked", "regretted", "resented", "dreaded"], 2),
    ]

    /// How a viewer felt afterwards.
    static let positiveEmotions: [(words: [String], strength: Double)] = [
        (["thrilled", "delighted", "amazed", "enchanted", "inspired"], 2),
        (["moved", "impressed", "happy", "satisfied", "grateful", "charmed"], 1),
    ]

    static let negativeEmotions: [(words: [String], strength: Double)] = [
        (["furious", "miserable", "disgusted"], 3),
        (["bored", "annoyed", "disappointed", "frustrated", "irritated", "exhausted"], 2),
        (["confused", "unimpressed", "restless"], 1),
    ]

    /// Scale the next valenced word (VADER-style boosters and dampeners).
    static let intensifiers: [String: Double] = [
        "very": 1.5, "really": 1.3, "extremely": 1.8, "incredibly": 1.8, "truly": 1.4, "absolutely": 1.7,
        "remarkably": 1.5, "utterly": 1.7, "so": 1.3, "quite": 1.2, "deeply": 1.5, "thoroughly": 1.5,
        "somewhat": 0.6, "slightly": 0.5, "rather": 0.8, "fairly": 0.8, "mildly": 0.5,
    ]

    /// Flip the next valenced word within a few words; any word ending in "n't" negates too.
    static let negators: Set<String> = ["not", "never", "no", "hardly", "barely", "nothing", "without", "neither", "nor"]

    static let valence: [String: Double] = {
        var table: [String: Double] = [:]
        for (groups, sign) in [
            (positiveAdjectives, 1.0), (positiveNouns, 1), (positiveVerbs, 1), (positiveEmotions, 1),
            (negativeAdjectives, -1), (negativeNouns, -1), (negativeVerbs, -1), (negativeEmotions, -1),
        ] {
            for group in groups { for word in group.words { table[word] = sign * group.strength } }
        }
        return table
    }()

    static func isNegator(_ word: String) -> Bool { negators.contains(word) || word.hasSuffix("n't") }

    static func words(_ groups: [(words: [String], strength: Double)]) -> [String] { groups.flatMap(\.words) }
}
