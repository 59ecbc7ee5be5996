/// The four kinds of character the GPT-2 and Llama-3 split patterns tell apart: `\p{L}`, `\p{N}`, `\s`, and the rest.
///
/// Definitions follow Oniguruma, the regex engine behind Hugging Face `tokenizers`: letters are general category L
/// (Lu Ll Lt Lm Lo), numbers N (Nd Nl No, so `½` and `Ⅻ` count), whitespace the White_Space property (which includes
/// NBSP, U+0085 and U+3000 but not U+200B). `Tests/Fixtures/tokenizer/unicode_classes.json` records Oniguruma's
/// answer for every code point and the tests compare all of them.
enum ScalarClass: UInt8 {
    case other = 0, letter = 1, number = 2, whitespace = 3

    /// The Unicode version of the tables in `tokenizers` 0.23 (Oniguruma's, and Rust's for `Digits` and `\w`).
    /// The standard library may know newer characters; to `tokenizers` those are unassigned, so they count as other.
    static let unicodeVersion = (major: 16, minor: 0)

    private static func isNewerThanTokenizers(_ properties: Unicode.Scalar.Properties) -> Bool {
        guard let age = properties.age else { return false }
        return (age.major, age.minor) > unicodeVersion
    }

    /// Classes of U+0000…U+1FFFF (the BMP, emoji and supplementary letters), one byte each, so that classifying a
    /// character is one load; rarer planes ask the standard library.
    static let table: [ScalarClass] = (0..<0x20000).map { Unicode.Scalar($0).map(classify) ?? .other }

    static func classify(_ scalar: Unicode.Scalar) -> ScalarClass {
        let properties = scalar.properties
        if isNewerThanTokenizers(properties) { return .other }
        if properties.isWhitespace { return .whitespace }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    /// The class of any code point, surrogates and out-of-range values included (they are `.other`).
    static func of(_ value: UInt32) -> ScalarClass {
        if value < UInt32(table.count) { return table[Int(value)] }
        return Unicode.Scalar(value).map(classify) ?? .other
    }

    /// Rust `regex`'s Unicode `\w` (Alphabetic, M, Nd, Pc, Join_Control), which `tokenizers` uses to decide whether
    /// an added token with `single_word` touches a word.
    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        if isNewerThanTokenizers(properties) { return false }
        if properties.isAlphabetic || properties.isJoinControl { return true }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }
}
