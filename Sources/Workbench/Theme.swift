import Training

/// Colours with a meaning, in one place.
public enum Theme {
    /// Series colours, cycled: distinct on dark and light backgrounds alike.
    public static let palette: [Color] = [.cyan, .magenta, .yellow, .green, .blue, .red]
    public static func series(_ index: Int) -> Color { palette[index % palette.count] }

    public static let accent = Color.cyan
    public static let chosen = Color.green
    public static let rejected = Color.red
    public static let error = Color.red
    public static let modified = Color.yellow
    public static let warning = Color.yellow

    public static func state(_ label: String) -> Style {
        switch label {
        case "running": Style(.green, .bold)
        case "paused", "pausing": Style(.yellow)
        case "queued": Style(.blue)
        case "stopping": Style(.yellow)
        case "finished": Style(.cyan)
        case "failed", "lost": Style(.red)
        case "stopped": Style(.magenta)
        default: .plain
        }
    }
}
