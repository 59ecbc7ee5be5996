import Foundation

/// Named points of a run where the fault-injection tests kill the process (SIGKILL, as a power cut or the OOM
/// killer would), chosen by the environment variable `DPO_FAULT=point:n`, e.g. `eval:8` (after the evaluation of
/// step 8, before its checkpoint) or `sft:2`. Unset, a point costs one comparison. Each point sits where a real
/// crash would leave the most to clean up, so the tests can prove that resume puts every stage back exactly.
public enum FaultPoint: String, CaseIterable, Sendable {
    /// After the tokenizer is made and saved (`n` is 0).
    case prepare
    /// After SFT step n is logged.
    case sft
    /// After reference batch n is computed.
    case reference
    /// After DPO step n is logged, before its evaluation and checkpoint.
    case step
    /// After the evaluation (and samples) of step n, before its checkpoint.
    case eval
    /// Inside checkpoint n: its files are written, the directory not yet renamed into place.
    case checkpoint
    /// After the final model is written (`n` is the last step), before the run is marked finished.
    case final

    private static let armed: (point: String, count: Int)? = {
        guard let value = ProcessInfo.processInfo.environment["DPO_FAULT"] else { return nil }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let count = Int(parts[1]) else { return nil }
        return (String(parts[0]), count)
    }()

    /// Kills this process when `DPO_FAULT` names this point and `n`.
    public func reached(_ n: Int = 0) {
        guard let armed = Self.armed, armed.point == rawValue, armed.count == n else { return }
        kill(getpid(), SIGKILL)
    }
}
