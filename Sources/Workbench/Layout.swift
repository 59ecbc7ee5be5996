/// A named rectangle of the screen that one widget owns.
public struct Pane: Sendable, Equatable {
    public var name: String
    public var rect: Rect
    public init(_ name: String, _ rect: Rect) {
        self.name = name
        self.rect = rect
    }
}

/// The frame's fixed parts: a tab bar on the first row, a hint bar on the last, the screen's body between.
public enum Layout {
    public static let minimum = Size(width: 80, height: 24)

    public static func fits(_ size: Size) -> Bool { size.width >= minimum.width && size.height >= minimum.height }

    public static func tabs(_ size: Size) -> Rect { Rect(x: 0, y: 0, width: size.width, height: 1) }
    public static func hints(_ size: Size) -> Rect { Rect(x: 0, y: size.height - 1, width: size.width, height: 1) }
    public static func body(_ size: Size) -> Rect { Rect(x: 0, y: 1, width: size.width, height: size.height - 2) }

    /// Every pane of the current screen, for drawing and for the layout tests.
    public static func panes(_ state: AppState, size: Size) -> [Pane] {
        guard fits(size) else { return [Pane("too-small", Rect(x: 0, y: 0, width: size.width, height: size.height))] }
        let body = body(size)
        var panes = [Pane("tabs", tabs(size)), Pane("hints", hints(size))]
        switch state.screen {
        case .data: panes += DataView.layout(body, statistics: state.data.showStatistics)
        case .config: panes += ConfigView.layout(body)
        case .runs: panes += RunsView.layout(body)
        case .charts: panes += ChartsView.layout(body, state: state)
        case .samples: panes += SamplesView.layout(body)
        case .diagnostics: panes += DiagnosticsView.layout(body)
        case .judge: panes += JudgeView.layout(body)
        }
        return panes
    }
}

extension Array where Element == Pane {
    subscript(_ name: String) -> Rect { first { $0.name == name }?.rect ?? Rect(x: 0, y: 0, width: 0, height: 0) }
}
