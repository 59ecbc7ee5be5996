import Foundation
import Training

/// Follows a transformers/TRL output directory (`TRLOutput`) as one run of the list: its event files read from
/// where the last read ended (a record still being written waits for the next poll), its trainer_state.json when
/// it changes. Such a run has no status file: it is running while its files keep changing, finished once the
/// top-level trainer_state.json (written at the end) exists, and stopped otherwise.
struct TRLRunFollower {
    let url: URL
    /// Events read so far and bytes consumed, per event file.
    private var events: [String: [TensorBoardEvent]] = [:]
    private var consumed: [String: Int] = [:]
    private var stateModified = -1.0
    private var history: (rows: [[String: Double]], maxSteps: Int?) = ([], nil)
    private var problem: String?

    init(url: URL) { self.url = url }

    mutating func update(_ run: inout RunInfo, now: Double, heartbeatTimeout: Double) -> Bool {
        var changed = false
        var newest = -1.0
        for file in TRLOutput.eventFiles(in: url) {
            newest = max(newest, RunFollower.modificationTime(file))
            changed = read(file) || changed
        }
        let stateTime = TRLOutput.trainerStates(in: url).map(RunFollower.modificationTime).max() ?? -1
        newest = max(newest, stateTime)
        if stateTime != stateModified {
            stateModified = stateTime
            history = TRLOutput.logHistory(in: url)
            changed = true
        }
        let state: RunState = now - newest <= heartbeatTimeout ? .running
            : (FileManager.default.fileExists(atPath: url.appendingPathComponent("trainer_state.json").path) ? .finished : .stopped)
        if changed {
            let ordered = events.keys.sorted().flatMap { events[$0]! }
            let rows = ordered.isEmpty ? history.rows : TRLOutput.rows(ordered)
            run.metrics = MetricTable()
            run.eval = MetricTable()
            for row in rows {
                let (evaluation, training) = (row.filter { $0.key.hasPrefix("eval_") }, row.filter { !$0.key.hasPrefix("eval_") })
                let stamp = row.filter { $0.key == "step" || $0.key == "time" }
                if !evaluation.isEmpty { run.eval.append(evaluation.merging(stamp) { $1 }) }
                if training.count > stamp.count { run.metrics.append(training) }
            }
        }
        let step = Int(run.metrics.lastStep ?? run.eval.lastStep ?? 0)
        let status = RunStatus(state: state, pid: 0, heartbeat: max(newest, 0), startedAt: run.metrics.times.first ?? max(newest, 0),
                               stage: .dpo, step: step, totalSteps: max(history.maxSteps ?? 0, step), message: problem)
        if status != run.status {
            run.status = status
            changed = true
        }
        if run.lossType == nil {
            run.lossType = "transformers/TRL"
            changed = true
        }
        return changed
    }

    /// Reads an event file's new whole records; returns whether there were any.
    private mutating func read(_ file: URL) -> Bool {
        let key = file.lastPathComponent
        let start = consumed[key] ?? 0
        guard RunFollower.fileSize(file) > start, let handle = FileHandle(forReadingAtPath: file.path) else { return false }
        defer { try? handle.close() }
        try? handle.seek(toOffset: UInt64(start))
        let bytes = [UInt8]((try? handle.readToEnd()) ?? Data())
        do {
            let (records, pending) = try TFRecord.records(bytes)
            consumed[key] = start + bytes.count - pending
            events[key, default: []] += try records.map(TensorBoardEvent.init(decoding:))
            return !records.isEmpty
        } catch {
            problem = "\(file.lastPathComponent): \(error)"
            consumed[key] = Int.max
            return true
        }
    }
}
