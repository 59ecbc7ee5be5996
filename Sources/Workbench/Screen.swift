/// The eight ANSI colours and the terminal's own default. Series and states use these alone, so the workbench
/// looks the same on any terminal with colours, and monochrome (`--no-color`, `NO_COLOR`) drops them all.
public enum Color: Int, Sendable, Hashable, CaseIterable {
    case standard = -1
    case black = 0, red, green, yellow, blue, magenta, cyan, white
}

/// Text attributes a terminal can show with or without colours.
public struct Attributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let bold = Attributes(rawValue: 1)
    public static let dim = Attributes(rawValue: 2)
    public static let reverse = Attributes(rawValue: 4)
    public static let underline = Attributes(rawValue: 8)
}

/// How one cell is drawn: a foreground colour and attributes (the background is always the terminal's).
public struct Style: Sendable, Hashable {
    public var color: Color
    public var attributes: Attributes

    public init(_ color: Color = .standard, _ attributes: Attributes = []) {
        self.color = color
        self.attributes = attributes
    }

    public static let plain = Style()
    public static let bold = Style(.standard, .bold)
    public static let dim = Style(.standard, .dim)
    public static let reverse = Style(.standard, .reverse)

    public func with(_ extra: Attributes) -> Style { Style(color, attributes.union(extra)) }
    public func colored(_ color: Color) -> Style { Style(color, attributes) }
}

/// One character cell. `text` is one grapheme; a wide grapheme fills its cell and leaves the next one empty
/// (`text == ""`), which backends skip.
public struct Cell: Sendable, Hashable {
    public var text: String
    public var style: Style

    public init(_ text: String = " ", _ style: Style = .plain) {
        self.text = text
        self.style = style
    }

    public static let blank = Cell()
}

public struct Size: Sendable, Hashable, CustomStringConvertible {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    public var description: String { "\(width)×\(height)" }
}

/// Where output goes: a terminal through ncurses, or memory for tests. Frames are composed as a `Canvas` by pure
/// functions and handed over whole; a backend may skip cells that did not change since the last frame.
public protocol Screen: AnyObject {
    var size: Size { get }
    /// Writes `text` (no line breaks, at most the rest of the row) at column `x` of row `y`.
    func put(_ text: String, x: Int, y: Int, style: Style)
    /// Makes what was put visible.
    func flush()
}

extension Screen {
    /// Draws a whole frame, cell by cell where it differs from `previous` (all of it when `previous` is nil or
    /// of another size), merging neighbouring cells of one style into one `put`.
    public func draw(_ canvas: Canvas, over previous: Canvas?) {
        let reuse = previous.map { $0.width == canvas.width && $0.height == canvas.height } ?? false
        for y in 0..<canvas.height {
            var x = 0
            while x < canvas.width {
                let cell = canvas[x, y]
                if reuse, previous![x, y] == cell {
                    x += 1
                    continue
                }
                var run = cell.text
                let start = x
                x += 1
                while x < canvas.width {
                    let next = canvas[x, y]
                    if next.style != cell.style || (reuse && previous![x, y] == next) { break }
                    run += next.text
                    x += 1
                }
                if !run.isEmpty { put(run, x: start, y: y, style: cell.style) }
            }
        }
        flush()
    }
}
