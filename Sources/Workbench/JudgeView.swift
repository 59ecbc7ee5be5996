/// The human judge screen: progress and agreement on top, the prompt, then the two completions side by side as A
/// and B (in the item's seeded order, drawn alike so nothing tells which one the source chose), and the files the
/// verdicts go to at the bottom.
enum JudgeView {
    static func layout(_ body: Rect) -> [Pane] {
        let (header, rest) = body.splitRows(3)
        let (middle, footer) = rest.splitRows(rest.height - 1)
        let (prompt, completions) = middle.splitRows(max(4, middle.height / 3))
        let (a, b) = completions.splitColumns(completions.width / 2)
        return [Pane("judge-header", header), Pane("judge-prompt", prompt), Pane("judge-a", a), Pane("judge-b", b),
                Pane("judge-footer", footer)]
    }

    /// Rows of a completion that show at once (the box's inside).
    static func page(_ body: Rect) -> Int { max(1, layout(body)[2].rect.height - 2) }

    /// How far the completions scroll: until the longer one's last line shows.
    static func scrollLimit(_ session: JudgeSession, body: Rect) -> Int {
        guard let item = session.current else { return 0 }
        let width = max(1, layout(body)[2].rect.width - 2)
        let (a, b) = session.shown(item)
        let lines = [a, b].map { TextWidth.wrapWithOffsets(DataSnapshot.text($0), width: width).count }.max() ?? 0
        return max(0, lines - page(body))
    }

    static func render(_ state: AppState, _ panes: [Pane], _ canvas: inout Canvas, _ glyphs: Glyphs) {
        guard let session = state.judge else {
            let inside = Widgets.box(&canvas, panes["judge-header"], title: "Judge", focused: true, glyphs: glyphs)
            canvas.text("no pairs open: J on the Data or Runs screen judges them", x: inside.x, y: inside.y, style: .dim, clip: inside)
            for name in ["judge-prompt", "judge-a", "judge-b"] { Widgets.box(&canvas, panes[name], glyphs: glyphs) }
            return
        }
        let title = session.current.map { "Judge · pair \($0 + 1) of \(session.pairs.count)" } ?? "Judge · done"
        let header = Widgets.box(&canvas, panes["judge-header"], title: title, right: session.source, focused: true, glyphs: glyphs)
        let (agreed, of) = session.agreement
        let agreement = of == 0 ? "no pick yet to compare with the source's chosen"
            : "you picked the source's chosen in \(agreed) of \(of)"
        canvas.text(session.progress, x: header.x, y: header.y, style: .bold, clip: header)
        let room = header.width - TextWidth.of(session.progress) - 2
        if room >= 12 {
            let shown = TextWidth.truncate(agreement, to: room)
            canvas.text(shown, x: header.maxX - TextWidth.of(shown), y: header.y, style: Style(Theme.accent), clip: header)
        }
        let prompt = Widgets.box(&canvas, panes["judge-prompt"], title: "Prompt", glyphs: glyphs)
        if let item = session.current {
            let pair = session.pairs[item]
            Widgets.paragraph(&canvas, prompt, DataSnapshot.text(pair.prompt, system: pair.system), glyphs: glyphs)
            let (a, b) = session.shown(item)
            for (name, label, keys, segment) in [("judge-a", "A", "a or 1", a), ("judge-b", "B", "b or 2", b)] {
                let inside = Widgets.box(&canvas, panes[name], title: label, titleStyle: Style(.standard, .bold), right: keys, glyphs: glyphs)
                let text = DataSnapshot.text(segment)
                Widgets.paragraph(&canvas, inside, text.isEmpty ? "(empty)" : text, style: text.isEmpty ? .dim : .plain,
                                  scroll: session.scroll, glyphs: glyphs)
            }
        } else {
            Widgets.paragraph(&canvas, prompt, "every pair of \(session.source) has a verdict: u takes back the last, q goes back",
                              style: .dim, glyphs: glyphs)
            for name in ["judge-a", "judge-b"] { Widgets.box(&canvas, panes[name], glyphs: glyphs) }
        }
        let footer = panes["judge-footer"]
        let files = "pairs → \(session.files.pairsPath) · verdicts → \(session.files.journalPath)"
        canvas.text(TextWidth.truncate(files, to: footer.width), x: footer.x, y: footer.y, style: .dim, clip: footer)
    }
}
