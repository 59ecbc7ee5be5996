/// A screen in memory: what a terminal would show, as cells, for tests.
public final class MemoryScreen: Screen {
    public private(set) var canvas: Canvas
    public private(set) var flushes = 0
    /// Cells written, over all frames: tells how much a redraw sent.
    public private(set) var cellsWritten = 0

    public init(_ size: Size) { canvas = Canvas(size) }

    public var size: Size { Size(width: canvas.width, height: canvas.height) }

    public func resize(_ size: Size) { canvas = Canvas(size) }

    public func put(_ text: String, x: Int, y: Int, style: Style) {
        let end = canvas.text(text, x: x, y: y, style: style)
        cellsWritten += max(0, min(end, canvas.width) - x)
    }

    public func flush() { flushes += 1 }

    /// The screen as text, then its styles: each distinct style gets a letter (`.` is plain), listed with what it
    /// means, so a snapshot shows colours and attributes as well as characters.
    public func snapshot() -> String { Self.snapshot(canvas) }

    public static func snapshot(_ canvas: Canvas) -> String {
        var legend: [Style: Character] = [Style.plain: "."]
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var order: [Style] = []
        var styleLines: [String] = []
        for y in 0..<canvas.height {
            var line = ""
            for x in 0..<canvas.width {
                let style = canvas[x, y].style
                if legend[style] == nil {
                    legend[style] = order.count < letters.count ? letters[order.count] : "?"
                    order.append(style)
                }
                line.append(legend[style]!)
            }
            styleLines.append(line)
        }
        let frame = "+" + String(repeating: "-", count: canvas.width) + "+"
        var text = [frame] + canvas.lines.map { "|" + $0 + "|" } + [frame, "styles:"]
        text += styleLines
        for style in order {
            var parts: [String] = []
            if style.color != .standard { parts.append("\(style.color)") }
            if style.attributes.contains(.bold) { parts.append("bold") }
            if style.attributes.contains(.dim) { parts.append("dim") }
            if style.attributes.contains(.reverse) { parts.append("reverse") }
            if style.attributes.contains(.underline) { parts.append("underline") }
            text.append("\(legend[style]!) = \(parts.joined(separator: " "))")
        }
        return text.joined(separator: "\n") + "\n"
    }
}
