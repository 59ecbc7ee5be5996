import Foundation
import Training

/// Cursors, scrolling and search: how the generic moves land on each screen.
extension Update {
    static func currentConfigRow(_ state: AppState) -> ConfigRow? {
        guard state.screen == .config else { return nil }
        let rows = state.configRows
        return rows.indices.contains(state.config.cursor) ? rows[state.config.cursor] : nil
    }

    /// Moves the cursor of the current screen.
    static func move(_ action: Action, _ state: inout AppState, body: Rect) {
        func moved(_ cursor: Int, count: Int, page: Int) -> Int {
            guard count > 0 else { return 0 }
            let next: Int
            switch action {
            case .up, .left: next = cursor - 1
            case .down, .right: next = cursor + 1
            case .pageUp: next = cursor - page
            case .pageDown: next = cursor + page
            case .top: next = 0
            case .bottom: next = count - 1
            default: next = cursor
            }
            return max(0, min(count - 1, next))
        }
        switch state.screen {
        case .data:
            let count = state.data.snapshot?.pairs.count ?? 0
            state.data.cursor = moved(state.data.cursor, count: count, page: DataView.visibleRows(body))
        case .config:
            state.config.cursor = moved(state.config.cursor, count: state.configRows.count, page: ConfigView.visibleRows(body))
            state.config.error = nil
        case .runs:
            state.runsScreen.cursor = moved(state.runsScreen.cursor, count: state.runs.count, page: RunsView.visibleRows(body))
            state.samples.stepsBack = 0
        case .charts:
            let (columns, rows) = ChartsView.grid(body, runs: state.chartRuns.count)
            let count = ChartsView.definitions(for: state.chartRuns, filter: state.charts.filter).count
            switch action {
            case .up: state.charts.cursor = max(0, state.charts.cursor - columns)
            case .down: state.charts.cursor = min(count - 1, state.charts.cursor + columns)
            default: state.charts.cursor = moved(state.charts.cursor, count: count, page: columns * rows)
            }
        case .samples:
            let count = SamplesView.current(state)?.samples.count ?? 0
            state.samples.cursor = moved(state.samples.cursor, count: count, page: SamplesView.visibleRows(body))
        case .diagnostics:
            state.diagnostics.cursor = moved(state.diagnostics.cursor, count: DiagnosticKind.allCases.count, page: DiagnosticKind.allCases.count)
        case .judge:
            // The completions scroll together; the view stops drawing past their longer text.
            guard let session = state.judge else { break }
            state.judge?.scroll = moved(session.scroll, count: JudgeView.scrollLimit(session, body: body) + 1, page: JudgeView.page(body))
        }
    }

    /// Applies a search (Data) or filter (Config, Runs) as it is typed.
    static func setQuery(_ query: String, _ state: inout AppState) {
        if state.screen == .runs {
            state.runsScreen.filter = query
            return
        }
        if state.screen == .charts {
            state.charts.filter = query
            state.charts.cursor = 0
            return
        }
        if state.screen == .config {
            state.config.filter = query
            state.config.cursor = 0
            state.config.scroll = 0
            return
        }
        state.data.query = query
        let needle = query.lowercased()
        let pairs = state.data.snapshot?.pairs ?? []
        state.data.matches = needle.isEmpty ? [] : pairs.indices.filter { pairs[$0].searchText.contains(needle) }
        if let first = state.data.matches.first(where: { $0 >= state.data.cursor }) ?? state.data.matches.first {
            state.data.cursor = first
        }
    }

    /// The Data screen's search, applied whichever screen is showing (a reload keeps the query).
    static func setQueryForData(_ query: String, _ state: inout AppState) {
        let screen = state.screen
        state.screen = .data
        setQuery(query, &state)
        state.screen = screen
    }
}
