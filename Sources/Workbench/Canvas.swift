/// A rectangle of cells, in columns and rows from the top left.
public struct Rect: Sendable, Hashable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width <= 0 || height <= 0 }
    public var description: String { "(\(x),\(y) \(width)×\(height))" }

    public func intersects(_ other: Rect) -> Bool {
        !isEmpty && !other.isEmpty && x < other.maxX && other.x < maxX && y < other.maxY && other.y < maxY
    }

    public func contains(_ other: Rect) -> Bool {
        other.isEmpty || (other.x >= x && other.y >= y && other.maxX <= maxX && other.maxY <= maxY)
    }

    /// The rectangle shrunk by `by` cells on every side (a box's inside).
    public func inset(_ by: Int) -> Rect { Rect(x: x + by, y: y + by, width: width - 2 * by, height: height - 2 * by) }

    /// Splits off `rows` rows at the top (negative: at the bottom).
    public func splitRows(_ rows: Int) -> (Rect, Rect) {
        let top = rows >= 0 ? min(rows, height) : max(0, height + rows)
        return (Rect(x: x, y: y, width: width, height: top), Rect(x: x, y: y + top, width: width, height: height - top))
    }

    /// Splits off `columns` columns at the left (negative: at the right).
    public func splitColumns(_ columns: Int) -> (Rect, Rect) {
        let left = columns >= 0 ? min(columns, width) : max(0, width + columns)
        return (Rect(x: x, y: y, width: left, height: height), Rect(x: x + left, y: y, width: width - left, height: height))
    }

    /// `count` rows of near-equal heights (the first ones get the remainder).
    public func rows(_ count: Int) -> [Rect] {
        Self.evenSplit(height, count).map { Rect(x: x, y: y + $0.offset, width: width, height: $0.length) }
    }

    /// `count` columns of near-equal widths.
    public func columns(_ count: Int) -> [Rect] {
        Self.evenSplit(width, count).map { Rect(x: x + $0.offset, y: y, width: $0.length, height: height) }
    }

    /// `total` cells cut into `count` near-equal runs, the first ones one longer when it does not divide.
    private static func evenSplit(_ total: Int, _ count: Int) -> [(offset: Int, length: Int)] {
        guard count > 0 else { return [] }
        var offset = 0
        return (0..<count).map { index in
            let length = total / count + (index < total % count ? 1 : 0)
            defer { offset += length }
            return (offset, length)
        }
    }
}

/// A frame being composed: widgets draw into it, clipped to a rectangle, and a `Screen` shows it. Drawing
/// outside the canvas is ignored, so no widget can write past the screen's edge.
public struct Canvas: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public init(_ size: Size) { self.init(width: size.width, height: size.height) }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set {
            guard x >= 0, y >= 0, x < width, y < height else { return }
            cells[y * width + x] = newValue
        }
    }

    /// Writes one line of text from (x, y), clipped to `clip` (the whole canvas by default); control characters
    /// become spaces. Returns the column after the last one written.
    @discardableResult
    public mutating func text(_ text: String, x: Int, y: Int, style: Style = .plain, clip: Rect? = nil) -> Int {
        let area = clip ?? bounds
        guard y >= area.y, y < area.maxY, y >= 0, y < height else { return x }
        let right = min(area.maxX, width)
        var column = x
        for character in text {
            var character = character
            var w = TextWidth.of(character)
            if w == 0 {
                if character.unicodeScalars.first.map({ $0.value < 0x20 || ($0.value >= 0x7F && $0.value < 0xA0) }) ?? true {
                    character = " "
                    w = 1
                } else {
                    continue
                }
            }
            if column + w > right { break }
            if column >= area.x, column >= 0 {
                self[column, y] = Cell(String(character), style)
                if w == 2 { self[column + 1, y] = Cell("", style) }
            }
            column += w
        }
        return column
    }

    /// Fills a rectangle with one cell.
    public mutating func fill(_ rect: Rect, with cell: Cell = .blank) {
        for y in max(0, rect.y)..<min(height, rect.maxY) where rect.x < rect.maxX {
            for x in max(0, rect.x)..<min(width, max(0, rect.maxX)) { self[x, y] = cell }
        }
    }

    /// Adds attributes (e.g. reverse for a selection) to every cell of a rectangle.
    public mutating func highlight(_ rect: Rect, _ attributes: Attributes) {
        for y in max(0, rect.y)..<min(height, rect.maxY) where rect.x < rect.maxX {
            for x in max(0, rect.x)..<min(width, max(0, rect.maxX)) { cells[y * width + x].style.attributes.formUnion(attributes) }
        }
    }

    /// Copies another canvas in at (x, y), clipped.
    public mutating func blit(_ other: Canvas, x: Int, y: Int) {
        for row in 0..<other.height {
            for column in 0..<other.width { self[x + column, y + row] = other[column, row] }
        }
    }

    /// The rows as plain text, for tests and snapshots.
    public var lines: [String] {
        (0..<height).map { y in (0..<width).map { self[$0, y].text }.joined() }
    }
}
