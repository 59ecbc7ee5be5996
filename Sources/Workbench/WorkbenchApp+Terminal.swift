import CCurses
import Foundation
import Training

/// Signals turned into flags the UI loop reads between frames.
final class SignalWatch: @unchecked Sendable {
    private let lock = NSLock()
    private var received: [Int32] = []
    private var handler: SignalHandler?

    init(_ signals: [Int32]) {
        handler = SignalHandler(signals) { [weak self] number in self?.lock.withLock { self?.received.append(number) } }
    }

    func take() -> [Int32] {
        lock.withLock {
            defer { received.removeAll() }
            return received
        }
    }
}

extension WorkbenchApp {
    /// Runs the workbench on the terminal until the user quits; returns the exit status. Runs of this workbench
    /// outlive the terminal: after SIGHUP (or a detach) the process stops drawing and exits when they end.
    public static func run(_ options: WorkbenchOptions) throws -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        let signals = SignalWatch([SIGHUP, SIGINT, SIGTERM, SIGQUIT])
        let utf8 = Charset.detect(environment: ProcessInfo.processInfo.environment) != .ascii
        let screen = try CursesScreen(colors: options.render.colors, utf8: utf8)
        var render = options.render
        if !screen.colors { render.colors = false }
        let app = WorkbenchApp(options: options)
        app.start()
        var previous: Canvas?
        var lastDraw = 0.0
        var dirty = true
        var urgent = true
        while true {
            for number in signals.take() {
                if number == SIGHUP {
                    // The terminal is gone: draw no more, but let this workbench's runs finish.
                    return app.headless(reason: nil, signals: signals)
                }
                app.stopAll()
                screen.stop()
                _ = app.headless(reason: "dpo: signal \(number): stopping runs at a checkpoint", signals: signals)
                return 128 + number
            }
            if let key = screen.readKey() {
                if key == .resize {
                    previous = nil
                    screen.invalidate()
                }
                switch app.handle(key, size: screen.size) {
                case .continue: break
                case .exit:
                    screen.stop()
                    return 0
                case .detach:
                    screen.stop()
                    let count = app.launcher.active.count
                    print("dpo: \(count) run\(count == 1 ? "" : "s") of this workbench keep\(count == 1 ? "s" : "") training in the background "
                        + "(pid \(getpid())); runs are under \(app.state.runsDirectory), and `dpo` shows them again.")
                    fflush(nil)
                    if options.detachDescriptor >= 0 {
                        _ = ccurses_detach(options.detachDescriptor)
                    } else {
                        print("dpo: no supervisor process: this terminal stays busy until they end.")
                    }
                    return app.headless(reason: nil, signals: signals)
                }
                dirty = true
                urgent = true
            } else if screen.hungUp {
                // The terminal is gone and no SIGHUP came (a parent such as `make run` received it instead):
                // reading keys no longer waits, so the loop would spin a core. As on SIGHUP.
                return app.headless(reason: nil, signals: signals)
            }
            let now = Date().timeIntervalSince1970
            if app.tick(now: now) { dirty = true }
            if app.isDoneStopping {
                screen.stop()
                return 0
            }
            if dirty, urgent || now - lastDraw >= 0.2 {
                let canvas = app.frame(size: screen.size, options: render)
                screen.draw(canvas, over: previous)
                previous = canvas
                lastDraw = now
                dirty = false
                urgent = false
            }
        }
    }

    /// Without a terminal: keeps events flowing and queued runs starting until none of this workbench's runs is
    /// active, then returns 0. A detached workbench still obeys SIGTERM, SIGINT and SIGQUIT: its runs checkpoint
    /// and stop.
    func headless(reason: String?, signals: SignalWatch) -> Int32 {
        if let reason { print(reason) }
        while true {
            if signals.take().contains(where: { $0 != SIGHUP }) { stopAll() }
            _ = tick(now: Date().timeIntervalSince1970)
            if launcher.active.isEmpty && events.isEmpty { return 0 }
            Thread.sleep(forTimeInterval: 0.25)
        }
    }
}

extension WorkbenchApp {
    /// Splits off the process that does the work from one that only waits for it, so that runs can be left
    /// training when the user quits (see `ccurses_supervise`). Call before any thread starts; returns the
    /// descriptor for `WorkbenchOptions.detachDescriptor`, or -1 when not split.
    public static func superviseForDetach() -> Int32 { ccurses_supervise() }
}
