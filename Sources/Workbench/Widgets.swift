/// Drawing helpers shared by the screens. Each draws inside the rectangle it is given and nowhere else.
public enum Widgets {
    /// A box with a title in its top border; returns the inside. `focused` draws the border in the accent colour.
    @discardableResult
    public static func box(_ canvas: inout Canvas, _ rect: Rect, title: String = "", titleStyle: Style = .bold,
                           right: String = "", focused: Bool = false, glyphs: Glyphs) -> Rect {
        guard rect.width >= 2, rect.height >= 2 else { return Rect(x: rect.x, y: rect.y, width: 0, height: 0) }
        let border = focused ? Style(Theme.accent) : Style(.standard, .dim)
        let horizontal = String(repeating: glyphs.horizontal, count: rect.width - 2)
        canvas.text(glyphs.topLeft + horizontal + glyphs.topRight, x: rect.x, y: rect.y, style: border, clip: rect)
        canvas.text(glyphs.bottomLeft + horizontal + glyphs.bottomRight, x: rect.x, y: rect.maxY - 1, style: border, clip: rect)
        for y in rect.y + 1..<rect.maxY - 1 {
            canvas.text(glyphs.vertical, x: rect.x, y: y, style: border, clip: rect)
            canvas.text(glyphs.vertical, x: rect.maxX - 1, y: y, style: border, clip: rect)
            canvas.fill(Rect(x: rect.x + 1, y: y, width: rect.width - 2, height: 1))
        }
        // The title comes first; the right-hand label gets what is left (at least 6 columns) or nothing.
        var titleEnd = rect.x + 1
        if !title.isEmpty, rect.width > 5 {
            let shown = " " + TextWidth.truncate(title, to: rect.width - 5) + " "
            titleEnd = canvas.text(shown, x: rect.x + 1, y: rect.y, style: focused ? titleStyle.colored(Theme.accent) : titleStyle, clip: rect)
        }
        let room = rect.maxX - 2 - titleEnd - 1
        if !right.isEmpty, room >= 8 {
            let text = " " + TextWidth.truncate(right, to: room - 2) + " "
            canvas.text(text, x: rect.maxX - 1 - TextWidth.of(text), y: rect.y, style: .dim, clip: rect)
        }
        return rect.inset(1)
    }

    /// Wrapped text in a rectangle, from line `scroll`; the last visible line ends in `…` when more follows.
    /// Characters from `dimFrom` on (a truncated tail) are drawn dimmed.
    public static func paragraph(_ canvas: inout Canvas, _ rect: Rect, _ text: String, style: Style = .plain,
                                 dimFrom: Int? = nil, scroll: Int = 0, glyphs: Glyphs) {
        guard !rect.isEmpty else { return }
        let lines = TextWidth.wrapWithOffsets(text, width: rect.width)
        let visible = Array(lines.dropFirst(scroll).prefix(rect.height))
        for (row, (line, start)) in visible.enumerated() {
            var shown = line
            if row == rect.height - 1, row + scroll < lines.count - 1 {
                shown = TextWidth.truncate(line + " " + glyphs.ellipsis, to: rect.width, ellipsis: glyphs.ellipsis)
            }
            let y = rect.y + row
            let cut = dimFrom.map { $0 - start } ?? Int.max
            if cut <= 0 {
                canvas.text(shown, x: rect.x, y: y, style: style.with(.dim), clip: rect)
            } else if cut < shown.count {
                let end = canvas.text(String(shown.prefix(cut)), x: rect.x, y: y, style: style, clip: rect)
                canvas.text(String(shown.dropFirst(cut)), x: end, y: y, style: style.with(.dim), clip: rect)
            } else {
                canvas.text(shown, x: rect.x, y: y, style: style, clip: rect)
            }
        }
    }

    /// A scrollbar in the last column of `rect` when `total` rows do not fit.
    public static func scrollbar(_ canvas: inout Canvas, _ rect: Rect, total: Int, visible: Int, offset: Int, glyphs: Glyphs) {
        guard total > visible, rect.height >= 2, visible > 0 else { return }
        let x = rect.maxX - 1
        let thumb = max(1, rect.height * visible / total)
        let top = min(rect.height - thumb, (rect.height - thumb) * offset / max(1, total - visible))
        for row in 0..<rect.height {
            let inThumb = row >= top && row < top + thumb
            canvas.text(inThumb ? glyphs.thumb : glyphs.vertical, x: x, y: rect.y + row, style: inThumb ? Style(Theme.accent) : Style(.standard, .dim))
        }
    }

    /// Keeps `cursor` visible in a window of `visible` rows starting at `scroll`.
    public static func fitScroll(cursor: Int, scroll: Int, visible: Int, total: Int) -> Int {
        guard visible > 0 else { return 0 }
        var scroll = min(scroll, max(0, total - visible))
        if cursor < scroll { scroll = cursor }
        if cursor >= scroll + visible { scroll = cursor - visible + 1 }
        return max(0, scroll)
    }

    /// A table column: title, width (0 = takes the rest), alignment, and the priority by which columns are dropped
    /// when the table is too narrow (lowest first).
    public struct Column: Sendable {
        public var title: String
        public var width: Int
        public var right: Bool
        public var priority: Int
        public init(_ title: String, _ width: Int, right: Bool = false, priority: Int = 10) {
            self.title = title
            self.width = width
            self.right = right
            self.priority = priority
        }
    }

    /// Which columns fit in `width` (one space between columns; the flexible column needs at least `minimum`).
    public static func fit(_ columns: [Column], width: Int, minimum: Int = 12) -> [Int] {
        var kept = Array(columns.indices)
        func needed() -> Int {
            kept.reduce(0) { $0 + (columns[$1].width == 0 ? minimum : columns[$1].width) } + max(0, kept.count - 1)
        }
        while needed() > width, let drop = kept.filter({ columns[$0].width > 0 }).min(by: { columns[$0].priority < columns[$1].priority }) {
            kept.removeAll { $0 == drop }
        }
        return kept
    }

    /// Column rectangles (x, width) for kept columns; the flexible column takes what is left.
    public static func columnPositions(_ columns: [Column], kept: [Int], x: Int, width: Int) -> [(index: Int, x: Int, width: Int)] {
        let fixed = kept.reduce(0) { $0 + columns[$1].width } + max(0, kept.count - 1)
        var left = x
        return kept.map { index in
            let w = columns[index].width == 0 ? max(0, width - fixed) : columns[index].width
            defer { left += w + 1 }
            return (index, left, w)
        }
    }

    /// One table row of cells, clipped to `rect`'s row `y`.
    public static func row(_ canvas: inout Canvas, _ cells: [(String, Style)], columns: [Column],
                           positions: [(index: Int, x: Int, width: Int)], y: Int, clip: Rect) {
        for position in positions where position.index < cells.count {
            let (text, style) = cells[position.index]
            canvas.text(TextWidth.pad(text, to: position.width, right: columns[position.index].right), x: position.x, y: y,
                        style: style, clip: clip)
        }
    }
}
