import Foundation

/// Terminal column widths of text: most graphemes take one column, East Asian wide ones and most emoji two,
/// control characters none (they are never drawn: `Canvas` replaces them).
public enum TextWidth {
    /// East Asian Wide and Fullwidth blocks (Unicode TR 11), as terminals draw them.
    static let wide: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
        0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F,
        0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]

    public static func of(_ character: Character) -> Int {
        guard let scalar = character.unicodeScalars.first else { return 0 }
        let value = scalar.value
        if value < 0x20 || (value >= 0x7F && value < 0xA0) { return 0 }
        if value < 0x1100 { return 1 }
        if character.unicodeScalars.contains(where: { $0.properties.isEmojiPresentation }) { return 2 }
        return wide.contains { $0.contains(value) } ? 2 : 1
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
