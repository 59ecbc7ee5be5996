import CCurses
import Foundation

/// Terminal column widths of text: most graphemes take one column, East Asian wide ones and most emoji two,
/// control characters none (they are never drawn: `Canvas` replaces them).
public enum TextWidth {
    public static func of(_ character: Character) -> Int {
        guard let scalar = character.unicodeScalars.first else { return 0 }
        let value = scalar.value
        if value < 0x20 || (value >= 0x7F && value < 0xA0) { return 0 }
        if value < 0x1100 { return 1 }
        if character.unicodeScalars.contains(where: { $0.properties.isEmojiPresentation }) { return 2 }
        let width = ccurses_wcwidth(value)
        return width < 0 ? 1 : Int(width)
    }

    public static func of(_ text: some StringProtocol) -> Int { text.reduce(0) { $0 + of($1) } }

    /// The longest prefix of `text` that fits in `width` columns, with `…` as its last column when cut.
    public static func truncate(_ text: String, to width: Int, ellipsis: String = "…") -> String {
        guard width > 0 else { return "" }
        if of(text) <= width { return text }
        var result = ""
        var used = 0
        let limit = width - of(ellipsis)
        for character in text {
            let w = of(character)
            if used + w > limit { break }
            result.append(character)
            used += w
        }
        return result + ellipsis
    }

    /// `text` padded with spaces (or cut) to exactly `width` columns; right-aligned when `right`.
    public static func pad(_ text: String, to width: Int, right: Bool = false) -> String {
        let cut = truncate(text, to: width)
        let padding = String(repeating: " ", count: max(0, width - of(cut)))
        return right ? padding + cut : cut + padding
    }

    /// Lines of at most `width` columns: paragraphs split at line breaks, then words wrapped at spaces; a word
    /// longer than a line is broken. Tabs count as one space.
    public static func wrap(_ text: String, width: Int) -> [String] { wrapWithOffsets(text, width: width).map(\.line) }

    /// `wrap`, with the offset in characters of each line's start in `text` (to dim a truncated tail).
    public static func wrapWithOffsets(_ text: String, width: Int) -> [(line: String, start: Int)] {
        guard width > 0 else { return [] }
        let characters = Array(text).map { $0 == "\t" ? " " : $0 }
        var result: [(String, Int)] = []
        var paragraphStart = 0
        while true {
            var end = paragraphStart
            while end < characters.count, characters[end] != "\n" { end += 1 }
            var lineStart = paragraphStart
            if lineStart == end { result.append(("", lineStart)) }
            while lineStart < end {
                var used = 0
                var next = lineStart
                var lastSpace = -1
                while next < end {
                    let w = max(1, of(characters[next]))
                    if used + w > width { break }
                    if characters[next] == " " { lastSpace = next }
                    used += w
                    next += 1
                }
                if next == end {
                    result.append((String(characters[lineStart..<end]), lineStart))
                    break
                }
                var breakAt = next
                if characters[next] != " ", lastSpace > lineStart { breakAt = lastSpace }
                if breakAt == lineStart { breakAt = lineStart + 1 }
                result.append((String(characters[lineStart..<breakAt]), lineStart))
                lineStart = breakAt
                if lineStart < end, characters[lineStart] == " " { lineStart += 1 }
            }
            if end >= characters.count { break }
            paragraphStart = end + 1
        }
        return result
    }
}
