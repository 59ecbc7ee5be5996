import Foundation

/// A transformers/TRL output directory, as `dpo watch` follows it: the TensorBoard event files its
/// `TensorBoardCallback` writes under `runs/<date>_<host>/` as it trains, and `trainer_state.json` (`log_history`),
/// which it writes at each checkpoint (`checkpoint-N/`) and at the end. Tags and keys come back to TRL's own metric
/// names (`train/rewards/chosen` → `rewards/chosen`, `eval/loss` → `eval_loss`), the names our journals use.
public enum TRLOutput {
    /// Whether `url` holds a transformers run: trainer_state.json at its top or in a checkpoint, or event files under
    /// `runs/`.
    public static func isOutputDirectory(_ url: URL) -> Bool {
        !trainerStates(in: url).isEmpty || !eventFiles(in: url).isEmpty
    }

    /// The event files under `runs/` (one folder a launch), in name order, which is time order.
    public static func eventFiles(in url: URL) -> [URL] {
        let runs = url.appendingPathComponent("runs")
        let folders = ((try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? []).sorted()
        return folders.flatMap { folder -> [URL] in
            let directory = runs.appendingPathComponent(folder)
            return ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
                .filter { $0.hasPrefix("events.out.tfevents.") }.map { directory.appendingPathComponent($0) }
        }
    }

    /// trainer_state.json files: the top one, then each checkpoint's, the newest step first.
    public static func trainerStates(in url: URL) -> [URL] {
        let top = url.appendingPathComponent("trainer_state.json")
        let checkpoints = ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [])
            .compactMap { name -> (Int, URL)? in
                guard name.hasPrefix("checkpoint-"), let step = Int(name.dropFirst("checkpoint-".count)) else { return nil }
                return (step, url.appendingPathComponent(name).appendingPathComponent("trainer_state.json"))
            }
            .sorted { $0.0 > $1.0 }.map(\.1)
        return ([top] + checkpoints).filter { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// The newest trainer_state.json's `log_history` as metric rows, and its `max_steps`.
    public static func logHistory(in url: URL) -> (rows: [[String: Double]], maxSteps: Int?) {
        for file in trainerStates(in: url) {
            guard let data = try? Data(contentsOf: file),
                  let state = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let history = state["log_history"] as? [[String: Any]] else { continue }
            let rows = history.map { entry in entry.compactMapValues { ($0 as? NSNumber)?.doubleValue } }
            return (rows, (state["max_steps"] as? NSNumber)?.intValue)
        }
        return ([], nil)
    }

    /// The metric a TensorBoard tag carries, as TRL names it in `log_history`: `train/x` is `x`, `eval/x` is
    /// `eval_x`; nil for other tags.
    public static func metric(fromTag tag: String) -> String? {
        if tag.hasPrefix("train/") { return String(tag.dropFirst("train/".count)) }
        if tag.hasPrefix("eval/") { return "eval_" + tag.dropFirst("eval/".count) }
        return nil
    }

    /// Rows by step (`step` set, one row per step merging every tag logged at it), in step order, from events in
    /// file order. A `SessionLog.START` drops what came before it from its step on, as TensorBoard does after a
    /// restart.
    public static func rows(_ events: [TensorBoardEvent]) -> [[String: Double]] {
        var byStep: [Int64: [String: Double]] = [:]
        for event in events {
            switch event.content {
            case .sessionStart:
                byStep = byStep.filter { $0.key < event.step }
            case .scalars(let scalars):
                for scalar in scalars {
                    guard let name = metric(fromTag: scalar.tag) else { continue }
                    byStep[event.step, default: ["step": Double(event.step)]][name] = Double(scalar.value)
                    byStep[event.step]!["time"] = event.wallTime
                }
            default:
                continue
            }
        }
        return byStep.keys.sorted().map { byStep[$0]! }
    }
}
