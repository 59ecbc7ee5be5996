import Foundation

/// Where a journal's rows go in TensorBoard: `tensorboard --logdir <run>` (and W&B's sync, which reads the same
/// files) shows a run's metrics as two TensorBoard runs, `tensorboard/sft` and `tensorboard/dpo`, with
/// transformers' tag names (`train/loss`, `train/rewards/chosen`, `eval/rewards/accuracies`), so a chart overlays
/// SFT and preference losses and reads like a TRL run's.
struct TensorBoardLog {
    /// The folder of the TensorBoard run, relative to the run directory.
    let folder: String
    let tag: (String) -> String

    init?(journal: String) {
        switch journal {
        case RunDirectory.metricsFile: (folder, tag) = ("tensorboard/dpo", { "train/" + $0 })
        case RunDirectory.evalFile: (folder, tag) = ("tensorboard/dpo", { "eval/" + ($0.hasPrefix("eval_") ? String($0.dropFirst(5)) : $0) })
        case RunDirectory.sftMetricsFile: (folder, tag) = ("tensorboard/sft", { "train/" + $0 })
        default: return nil
        }
    }
}

extension RunDirectory {
    /// Writes a journal row's numbers as one event (its `time` as wall time, `step` as step). Each process writes
    /// a file of its own; one that finds an earlier file (a resumed run) first writes `SessionLog.START` at the
    /// row's step, which makes TensorBoard drop the earlier files' events from that step on, as the journals
    /// dropped their lines.
    func mirror(_ row: [String: Any], into log: TensorBoardLog) throws {
        guard let step = (row["step"] as? NSNumber)?.int64Value else { return }
        let wallTime = (row["time"] as? NSNumber)?.doubleValue ?? Date().timeIntervalSince1970
        let scalars = row.compactMap { key, value -> TensorBoardEvent.Scalar? in
            guard key != "step", key != "time", let number = value as? NSNumber else { return nil }
            return TensorBoardEvent.Scalar(log.tag(key), Float(number.doubleValue))
        }.sorted { $0.tag < $1.tag }
        let file = try eventFile(log, wallTime: wallTime, step: step)
        try appendBytes(TFRecord.frame(TensorBoardEvent(wallTime: wallTime, step: step, content: .scalars(scalars)).encoded()), to: file)
    }

    /// This process's event file in the log's folder, begun (version event, and START after a resume) on first use.
    private func eventFile(_ log: TensorBoardLog, wallTime: Double, step: Int64) throws -> String {
        if let open = lock.withLock({ journals.keys.first { $0.hasPrefix(log.folder + "/events.out.tfevents.") } }) { return open }
        let folder = url.appendingPathComponent(log.folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let resumed = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).contains { $0.hasPrefix("events.out.tfevents.") }
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"
        let file = log.folder + "/events.out.tfevents.\(String(format: "%010d", Int(wallTime))).\(host).\(getpid()).0"
        var start = TFRecord.frame(TensorBoardEvent.version(wallTime: wallTime).encoded())
        if resumed { start += TFRecord.frame(TensorBoardEvent(wallTime: wallTime, step: step, content: .sessionStart).encoded()) }
        try appendBytes(start, to: file)
        return file
    }
}
