import Foundation

/// Signals delivered as calls on a background queue instead of their default action (which kills the process
/// mid-write): `dpo train` and `dpo sweep` turn them into a stop request, the workbench into flags its loop reads.
/// The handler lives as long as this object.
public final class SignalHandler: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []

    public init(_ signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { handler(number) }
            source.resume()
            sources.append(source)
        }
    }

    /// SIGINT, SIGTERM and SIGHUP as a stop request, honoured between steps with a checkpoint.
    public static func stopping(_ control: RunControl) -> SignalHandler {
        SignalHandler([SIGINT, SIGTERM, SIGHUP]) { _ in control.requestStop() }
    }
}
