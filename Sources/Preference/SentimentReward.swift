import Foundation

/// The sentiment task's ground-truth reward: how positive a text reads, in [0, 1].
///
/// A stand-in for the DPO paper's IMDb sentiment classifier that anyone can read and nobody has to download.
/// Each word's valence from `SentimentLexicon` is scaled by a preceding intensifier, flipped and damped
/// (× −0.75) by a negator up to three words before it, weighted ½ before and 1½ after a "but" in the same
/// sentence (as VADER does), and summed; the sum S over N valenced words becomes σ(S / √(N + 1)), so a text
/// with no sentiment scores ½ and piling on adjectives gives diminishing returns.
public enum SentimentReward {
    public static func score(_ text: String) -> Double {
        var total = 0.0
        var valenced = 0
        var sentence = 0.0
        var weight = 1.0
        var booster = 1.0
        var negationWindow = 0
        for token in tokens(text) {
            switch token {
            case ".", "!", "?":
                total += sentence
                sentence = 0
                weight = 1
                booster = 1
                negationWindow = 0
            case ",", ";", ":":
                booster = 1
                negationWindow = 0
            case "but":
                sentence *= 0.5
                weight = 1.5
            default:
                if let value = SentimentLexicon.valence[token] {
                    sentence += value * booster * weight * (negationWindow > 0 ? -0.75 : 1)
                    valenced += 1
                    booster = 1
                    negationWindow = 0
                } else if let factor = SentimentLexicon.intensifiers[token] {
                    booster *= factor
                } else if SentimentLexicon.isNegator(token) {
                    negationWindow = 3
                } else if negationWindow > 0 {
                    negationWindow -= 1
                }
            }
        }
        total += sentence
        return 1 / (1 + exp(-total / (Double(valenced) + 1).squareRoot()))
    }

    /// Lower-cased words (letters and apostrophes, ’ read as ') and sentence or clause punctuation.
    static func tokens(_ text: String) -> [String] {
        var tokens: [String] = []
        var word = ""
        for character in text.lowercased() {
            if character.isLetter || character == "'" || character == "’" {
                word.append(character == "’" ? "'" : character)
                continue
            }
            if !word.isEmpty {
                tokens.append(word)
                word = ""
            }
            if ".!?,;:".contains(character) { tokens.append(String(character)) }
        }
        if !word.isEmpty { tokens.append(word) }
        return tokens
    }
}
