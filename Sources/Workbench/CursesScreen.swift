import CCurses
import Foundation

/// The terminal through ncursesw. Only the UI thread touches it.
public final class CursesScreen: Screen {
    public let colors: Bool
    private let utf8: Bool
    private var stopped = false

    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Opens the terminal; `timeout` is how long `readKey` waits for a key.
    public init(colors: Bool, utf8: Bool, timeoutMilliseconds: Int32 = 100) throws {
        guard isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0 else {
            throw StartError(description: "the workbench needs a terminal (stdin and stdout); `dpo train` runs headless")
        }
        guard ccurses_start(colors ? 1 : 0, timeoutMilliseconds) == 0 else {
            throw StartError(description: "cannot open the terminal '\(ProcessInfo.processInfo.environment["TERM"] ?? "")' with ncurses")
        }
        ccurses_install_crash_restore()
        self.colors = ccurses_has_colors() != 0
        self.utf8 = utf8
    }

    deinit { stop() }

    public var size: Size { Size(width: Int(ccurses_cols()), height: Int(ccurses_lines())) }

    private static let attributeValues: [(Attributes, Int32)] = [
        (.bold, ccurses_attr_bold()), (.dim, ccurses_attr_dim()), (.reverse, ccurses_attr_reverse()), (.underline, ccurses_attr_underline()),
    ]

    public func put(_ text: String, x: Int, y: Int, style: Style) {
        var attributes: Int32 = 0
        for (attribute, value) in Self.attributeValues where style.attributes.contains(attribute) { attributes |= value }
        let pair: Int32 = colors && style.color != .standard ? Int32(style.color.rawValue + 1) : 0
        let shown = utf8 ? text : String(text.unicodeScalars.map { $0.isASCII ? Character($0) : "?" })
        if ccurses_put_text(Int32(y), Int32(x), shown, attributes, pair) == -1, utf8 {
            // Text the locale cannot encode: draw it as ASCII rather than not at all.
            _ = ccurses_put_text(Int32(y), Int32(x), String(text.unicodeScalars.map { $0.isASCII ? Character($0) : "?" }), attributes, pair)
        }
    }

    public func flush() { ccurses_refresh() }

    /// Redraws everything at the next flush (after a resize or when the screen may be garbled).
    public func invalidate() { ccurses_clear() }

    /// Whether the terminal has gone (its other end closed): `readKey` then returns nil at once, every time.
    public var hungUp: Bool { ccurses_input_hung_up() != 0 }

    /// The next key, or nil when none came within the timeout.
    public func readKey() -> Key? {
        var code: UInt32 = 0
        let result = ccurses_get_wch(&code)
        if result == ccurses_key_code_yes() {
            switch Int32(bitPattern: code) {
            case ccurses_key_up(): return .up
            case ccurses_key_down(): return .down
            case ccurses_key_left(): return .left
            case ccurses_key_right(): return .right
            case ccurses_key_ppage(): return .pageUp
            case ccurses_key_npage(): return .pageDown
            case ccurses_key_home(): return .home
            case ccurses_key_end(): return .end
            case ccurses_key_backspace(): return .backspace
            case ccurses_key_dc(): return .delete
            case ccurses_key_enter(): return .enter
            case ccurses_key_btab(): return .backTab
            case ccurses_key_resize(): return .resize
            case ccurses_key_mouse():
                var x: Int32 = 0, y: Int32 = 0, left: Int32 = 0
                guard ccurses_get_mouse(&x, &y, &left) == ccurses_ok(), left != 0 else { return nil }
                return .mouse(x: Int(x), y: Int(y))
            default: return nil
            }
        }
        guard result == ccurses_ok() else { return nil }
        return Self.key(code)
    }

    /// A character from get_wch as a key: control characters become Tab, Enter, Esc, Backspace or Ctrl-letter.
    static func key(_ code: UInt32) -> Key? {
        switch code {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 1...26: return .ctrl(Character(UnicodeScalar(code + 96)!))
        case 0..<32: return nil
        default: return UnicodeScalar(code).map { .char(Character($0)) }
        }
    }

    /// Restores the terminal. Safe to call more than once.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        ccurses_stop()
    }
}
