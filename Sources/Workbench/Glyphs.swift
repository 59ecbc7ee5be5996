/// What the terminal can show. Braille needs a UTF-8 locale and a font with the braille block (most have it, the
/// Linux console does not); block elements are in nearly every font; ASCII works everywhere.
public enum Charset: String, Sendable, CaseIterable {
    case braille, blocks, ascii

    /// Dots per cell a chart gets in this charset: braille 2×4, half blocks 1×2, ASCII 1×3 (`'`, `-`, `.`).
    public var dotsPerCell: (x: Int, y: Int) {
        switch self {
        case .braille: (2, 4)
        case .blocks: (1, 2)
        case .ascii: (1, 3)
        }
    }

    public var isUnicode: Bool { self != .ascii }

    /// Braille on a UTF-8 locale, blocks on the Linux console, ASCII otherwise.
    public static func detect(environment: [String: String]) -> Charset {
        let locale = environment["LC_ALL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["LC_CTYPE"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["LANG"] ?? ""
        let utf8 = locale.uppercased().replacingOccurrences(of: "-", with: "").contains("UTF8")
        guard utf8 else { return .ascii }
        return environment["TERM"] == "linux" ? .blocks : .braille
    }
}

/// The line-drawing and marker characters of a charset.
public struct Glyphs: Sendable {
    public let charset: Charset
    public let horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight: String
    public let ellipsis, cut, selected, running, bar, thumb: String
    /// A run pinned to the Charts screen.
    public let pinned: String
    /// A diagnosis that fired, one that holds, one that has no data.
    public let warning, clear, unknown: String
    public let axisVertical, axisCorner, legendLine: String
    /// A tick on a horizontal axis (`┬`), for the scatter charts that mark x values.
    public let axisTick: String
    /// Scatter markers, one per series in turn, and the reference point's own.
    public let markers: [String]
    public let referenceMarker: String

    public init(_ charset: Charset) {
        self.charset = charset
        if charset.isUnicode {
            (horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight) = ("─", "│", "┌", "┐", "└", "┘")
            (ellipsis, cut, selected, running, bar, thumb) = ("…", "✂", "●", "▶", "█", "┃")
            (axisVertical, axisCorner, legendLine) = ("┤", "└", "━")
            (warning, clear, unknown) = ("⚠", "✓", "·")
            pinned = "◆"
            (axisTick, markers, referenceMarker) = ("┬", ["●", "■", "▲", "◆", "▼", "✚", "○", "□"], "★")
        } else {
            (horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight) = ("-", "|", "+", "+", "+", "+")
            (ellipsis, cut, selected, running, bar, thumb) = ("~", "%", "*", ">", "#", "#")
            (axisVertical, axisCorner, legendLine) = ("|", "+", "=")
            (warning, clear, unknown) = ("!", "+", "-")
            pinned = "^"
            (axisTick, markers, referenceMarker) = ("+", ["o", "#", "^", "*", "v", "x", "@", "%"], "R")
        }
    }

    /// The character for a cell's dots: `bits` has bit (column · rows + row) set for each lit dot, with columns
    /// and rows as in `Charset.dotsPerCell`.
    public func dots(_ bits: UInt8) -> String {
        if bits == 0 { return " " }
        switch charset {
        case .braille:
            // Unicode braille numbers dots 1-2-3 down the left column, 4-5-6 down the right, then 7 and 8 below.
            let map: [UInt32] = [0x01, 0x02, 0x04, 0x40, 0x08, 0x10, 0x20, 0x80]
            var code: UInt32 = 0
            for bit in 0..<8 where bits & (1 << bit) != 0 { code |= map[bit] }
            return String(UnicodeScalar(0x2800 + code)!)
        case .blocks:
            switch bits & 3 {
            case 1: return "▀"
            case 2: return "▄"
            default: return "█"
            }
        case .ascii:
            switch bits & 7 {
            case 1: return "'"
            case 2: return "-"
            case 4: return "."
            case 5: return ":"
            default: return "|"
            }
        }
    }
}
