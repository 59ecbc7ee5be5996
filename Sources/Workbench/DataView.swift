import Preference

/// The Data screen: the pairs as a list, the selected pair's prompt, chosen and rejected with token counts and
/// truncation marks; or (`t`) the statistics of `dpo data stats` with length histograms and the length-bias line.
enum DataView {
    static func layout(_ body: Rect, statistics: Bool) -> [Pane] {
        if statistics {
            let (top, bottom) = body.splitRows(min(11, max(8, body.height - 10)))
            let columns = bottom.columns(3)
            return [Pane("summary", top), Pane("hist-0", columns[0]), Pane("hist-1", columns[1]), Pane("hist-2", columns[2])]
        }
        let (list, detail) = body.splitColumns(max(30, body.width * 2 / 5))
        let rows = detail.rows(3)
        return [Pane("pairs", list), Pane("prompt", rows[0]), Pane("chosen", rows[1]), Pane("rejected", rows[2])]
    }

    /// Rows of the pair list that fit.
    static func visibleRows(_ body: Rect) -> Int { max(1, body.height - 2) }

    static func render(_ state: AppState, _ panes: [Pane], _ canvas: inout Canvas, _ glyphs: Glyphs) {
        let data = state.data
        guard let snapshot = data.snapshot else {
            let rect = data.showStatistics ? panes["summary"] : panes["pairs"]
            let inside = Widgets.box(&canvas, rect, title: "Pairs", glyphs: glyphs)
            Widgets.paragraph(&canvas, inside, "\(state.dataSource): \(data.status ?? "loading…")",
                              style: data.failed ? Style(Theme.error) : .dim, glyphs: glyphs)
            for name in data.showStatistics ? ["hist-0", "hist-1", "hist-2"] : ["prompt", "chosen", "rejected"] {
                Widgets.box(&canvas, panes[name], glyphs: glyphs)
            }
            return
        }
        if data.showStatistics {
            statistics(snapshot, panes, &canvas, glyphs)
        } else {
            pairs(state, snapshot, panes, &canvas, glyphs)
        }
    }

    private static func pairs(_ state: AppState, _ snapshot: DataSnapshot, _ panes: [Pane], _ canvas: inout Canvas, _ glyphs: Glyphs) {
        let data = state.data
        let searching: String? = {
            if case .search(let text) = state.mode { return text }
            return data.query.isEmpty ? nil : data.query
        }()
        let right = searching.map { "/\($0): \(data.matches.count)" }
            ?? snapshot.name
        let list = Widgets.box(&canvas, panes["pairs"], title: "Pairs · \(snapshot.pairs.count)", right: right, focused: true, glyphs: glyphs)
        let digits = String(max(1, snapshot.pairs.count)).count
        let matches = Set(data.matches)
        for row in 0..<list.height {
            let index = data.scroll + row
            guard index < snapshot.pairs.count else { break }
            let pair = snapshot.pairs[index]
            let y = list.y + row
            let number = TextWidth.pad(String(index + 1), to: digits, right: true)
            let mark = pair.kept == nil ? "×" : (pair.isTruncated ? glyphs.cut : " ")
            let preview = pair.prompt.split(whereSeparator: \.isNewline).joined(separator: " ")
            var x = canvas.text(number, x: list.x, y: y, style: matches.contains(index) ? Style(.yellow, .bold) : .dim, clip: list)
            x = canvas.text(" " + mark + " ", x: x, y: y, style: Style(.yellow), clip: list)
            canvas.text(TextWidth.truncate(preview, to: max(0, list.maxX - x)), x: x, y: y, clip: list)
            if index == data.cursor { canvas.highlight(Rect(x: list.x, y: y, width: list.width, height: 1), .reverse) }
        }
        Widgets.scrollbar(&canvas, Rect(x: list.maxX, y: list.y, width: 1, height: list.height), total: snapshot.pairs.count,
                          visible: list.height, offset: data.scroll, glyphs: glyphs)

        guard snapshot.pairs.indices.contains(data.cursor) else {
            for name in ["prompt", "chosen", "rejected"] { Widgets.box(&canvas, panes[name], glyphs: glyphs) }
            if snapshot.pairs.isEmpty {
                canvas.text("no pairs", x: panes["prompt"].x + 2, y: panes["prompt"].y + 1, style: .dim)
            }
            return
        }
        let pair = snapshot.pairs[data.cursor]
        let unit = snapshot.unit
        func title(_ name: String, _ count: Int, _ kept: Int?) -> (String, Bool) {
            guard let kept else { return ("\(name) · \(count) \(unit) · dropped: the prompt fills max_length", true) }
            if kept < count { return ("\(name) · \(count) \(unit) \(glyphs.cut) \(kept) kept", true) }
            return ("\(name) · \(count) \(unit)", false)
        }
        // A generated pair's judge goes beside its source, each score beside its completion.
        let score = { (value: Double?) in value.map { String(format: "score %.3f", $0) } ?? "" }
        let sections: [(String, String, Int, Int?, Int?, Color, String)] = [
            ("prompt", pair.prompt, pair.promptTokens, pair.kept?.prompt, nil, .standard,
             (pair.annotation?.judge.map { "judge \($0) · " } ?? "") + pair.source),
            ("chosen", pair.chosen, pair.chosenTokens, pair.kept?.chosen, pair.keptCharacters.chosen, Theme.chosen,
             score(pair.annotation?.scoreChosen)),
            ("rejected", pair.rejected, pair.rejectedTokens, pair.kept?.rejected, pair.keptCharacters.rejected, Theme.rejected,
             score(pair.annotation?.scoreRejected)),
        ]
        for (name, text, count, kept, keptCharacters, color, right) in sections {
            let (label, cut) = title(name.prefix(1).uppercased() + name.dropFirst(), count, kept)
            let inside = Widgets.box(&canvas, panes[name], title: label, titleStyle: cut ? Style(.yellow, .bold) : Style(color, .bold),
                                     right: right, glyphs: glyphs)
            var shown = text
            var dimFrom = keptCharacters
            if name == "prompt", let keptPrompt = pair.keptCharacters.prompt {
                if pair.promptCutAtStart {
                    // keep_end cuts the prompt's start: draw it whole, then dim the part the model never sees.
                    Widgets.paragraph(&canvas, inside, text, glyphs: glyphs)
                    dimHead(&canvas, inside, text, lost: max(0, text.count - keptPrompt))
                    continue
                }
                dimFrom = keptPrompt
            }
            if shown.isEmpty { shown = "(none)" }
            Widgets.paragraph(&canvas, inside, shown, style: shown == "(none)" ? .dim : .plain, dimFrom: dimFrom, glyphs: glyphs)
        }
    }

    /// Dims the first `lost` characters of a wrapped text already drawn in `rect` (a prompt cut at its start).
    private static func dimHead(_ canvas: inout Canvas, _ rect: Rect, _ text: String, lost: Int) {
        for (row, line) in TextWidth.wrapWithOffsets(text, width: rect.width).prefix(rect.height).enumerated() {
            let dimmed = max(0, min(line.line.count, lost - line.start))
            if dimmed > 0 { canvas.highlight(Rect(x: rect.x, y: rect.y + row, width: dimmed, height: 1), .dim) }
        }
    }

    private static func statistics(_ snapshot: DataSnapshot, _ panes: [Pane], _ canvas: inout Canvas, _ glyphs: Glyphs) {
        guard let stats = snapshot.statistics else {
            let inside = Widgets.box(&canvas, panes["summary"], title: "Statistics", glyphs: glyphs)
            canvas.text("no statistics: the data did not tokenize", x: inside.x, y: inside.y, style: .dim)
            return
        }
        let inside = Widgets.box(&canvas, panes["summary"], title: "Statistics · \(stats.records) \(stats.lengthBias == nil ? "examples" : "pairs")",
                                 right: snapshot.name, focused: true, glyphs: glyphs)
        var lines: [(String, Style)] = []
        lines.append(("lengths in \(stats.unit) (\(stats.tokenizer)), before truncation", .dim))
        lines.append(("            " + ["p5", "p50", "p95", "max", "mean"].map { TextWidth.pad($0, to: 7, right: true) }.joined(), .bold))
        for column in stats.distributions {
            let d = column.distribution
            lines.append((TextWidth.pad(column.name, to: 12) + [d.p5, d.p50, d.p95, d.max].map { TextWidth.pad(String($0), to: 7, right: true) }.joined()
                + TextWidth.pad(LineChart.number(d.mean), to: 7, right: true), .plain))
        }
        if let bias = stats.lengthBias {
            let share = bias.chosenLongerShare
            let line = String(format: "length bias: chosen longer than rejected in %.1f%% of pairs (equal %.1f%%), mean chosen − rejected %+.1f %@",
                              share * 100, bias.equalShare * 100, bias.meanDifference, stats.unit)
            lines.append((line, share > 0.6 || share < 0.4 ? Style(.yellow) : .plain))
        }
        let truncation = "max_length \(stats.truncation.maxLength.map(String.init) ?? "none"), max_prompt_length "
            + "\(stats.truncation.maxPromptLength.map(String.init) ?? "none"), \(stats.truncation.mode.rawValue)"
        lines.append(("truncation (\(truncation)): \(stats.truncated) truncated, \(stats.dropped) dropped", stats.truncated + stats.dropped > 0 ? Style(.yellow) : .plain))
        lines.append(("exact duplicates: \(stats.exactDuplicates) · unreadable records: \(stats.problems.count)", .plain))
        for (row, (text, style)) in lines.prefix(inside.height).enumerated() {
            canvas.text(TextWidth.truncate(text, to: inside.width), x: inside.x, y: inside.y + row, style: style, clip: inside)
        }
        let colors: [Color] = [.standard, Theme.chosen, Theme.rejected]
        for (index, column) in stats.distributions.prefix(3).enumerated() {
            let rect = panes["hist-\(index)"]
            let box = Widgets.box(&canvas, rect, title: "\(column.name) lengths", right: stats.unit, glyphs: glyphs)
            histogram(column.distribution, box, color: colors[index], &canvas, glyphs)
        }
    }

    /// Horizontal bars, one per bin (bins merged in twos when they do not all fit).
    private static func histogram(_ d: LengthDistribution, _ rect: Rect, color: Color, _ canvas: inout Canvas, _ glyphs: Glyphs) {
        guard d.count > 0, !rect.isEmpty else { return }
        var bins = d.histogram.enumerated().map { (low: d.min + $0.offset * d.binWidth, high: d.min + ($0.offset + 1) * d.binWidth - 1, count: $0.element) }
        while bins.count > rect.height, bins.count > 1 {
            bins = stride(from: 0, to: bins.count, by: 2).map { index in
                index + 1 < bins.count ? (bins[index].low, bins[index + 1].high, bins[index].count + bins[index + 1].count) : bins[index]
            }
        }
        let labelWidth = String(d.max).count * 2 + 1
        let countWidth = String(bins.map(\.count).max() ?? 0).count
        let barWidth = max(1, rect.width - labelWidth - countWidth - 2)
        let tallest = Double(max(1, bins.map(\.count).max() ?? 1))
        for (row, bin) in bins.enumerated() {
            let y = rect.y + row
            let label = TextWidth.pad(bin.low == bin.high ? "\(bin.low)" : "\(bin.low)-\(bin.high)", to: labelWidth, right: true)
            var x = canvas.text(label + " ", x: rect.x, y: y, style: .dim, clip: rect)
            let filled = bin.count == 0 ? 0 : max(1, Int((Double(bin.count) / tallest * Double(barWidth)).rounded()))
            x = canvas.text(String(repeating: glyphs.bar, count: filled), x: x, y: y, style: Style(color), clip: rect)
            canvas.text(TextWidth.pad(String(bin.count), to: countWidth, right: true), x: rect.maxX - countWidth, y: y, style: .dim, clip: rect)
            _ = x
        }
    }
}
