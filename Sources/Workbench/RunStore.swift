import Foundation
import Training

/// Every run under one output folder, followed on disk: runs of this workbench, of `dpo train` in another
/// terminal, of another machine's process writing to a shared disk. Each poll lists the folder and looks at each
/// run's files' sizes and times; only what changed is read, and journals are read from where the last read ended.
public final class RunStore {
    public let root: URL
    public private(set) var runs: [String: RunInfo] = [:]
    private var followers: [String: RunFollower] = [:]
    /// transformers/TRL output directories in the folder (or the folder itself), read-only.
    private var trlFollowers: [String: TRLRunFollower] = [:]
    /// Runs started by this workbench: their paths, so their trainer's events are merged in.
    public private(set) var ownPaths: Set<String> = []
    let heartbeatTimeout: Double

    public init(root: URL, heartbeatTimeout: Double = 30) {
        self.root = root.standardizedFileURL
        self.heartbeatTimeout = heartbeatTimeout
    }

    /// Re-reads what changed; `focus` also gets its log tail. Returns whether anything the screens show changed.
    @discardableResult
    public func poll(now: Double, focus: String?) -> Bool {
        var changed = false
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        var seen: Set<String> = []
        let trlRoot = TRLOutput.isOutputDirectory(root)
        if trlRoot { changed = followTRL(root, now: now) || changed }
        for name in names where !name.hasPrefix(".") && !trlRoot {
            let url = root.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.appendingPathComponent(RunDirectory.statusFile).path)
                    || FileManager.default.fileExists(atPath: url.appendingPathComponent(RunDirectory.configFile).path) else {
                if TRLOutput.isOutputDirectory(url) {
                    seen.insert(url.path)
                    changed = followTRL(url, now: now) || changed
                }
                continue
            }
            seen.insert(url.path)
            if followers[url.path] == nil {
                followers[url.path] = RunFollower(url: url)
                runs[url.path] = RunInfo(id: .directory(url.path), name: name)
                changed = true
            }
            var run = runs[url.path]!
            if followers[url.path]!.update(&run, now: now, own: ownPaths.contains(url.path), focus: focus == url.path,
                                           heartbeatTimeout: heartbeatTimeout) {
                runs[url.path] = run
                changed = true
            }
        }
        if trlRoot { seen.insert(root.path) }
        for path in runs.keys where !seen.contains(path) && !ownPaths.contains(path) {
            runs[path] = nil
            followers[path] = nil
            trlFollowers[path] = nil
            changed = true
        }
        return changed
    }

    /// Reads what changed in a transformers/TRL output directory; returns whether anything did.
    private func followTRL(_ url: URL, now: Double) -> Bool {
        var changed = false
        if trlFollowers[url.path] == nil {
            trlFollowers[url.path] = TRLRunFollower(url: url)
            runs[url.path] = RunInfo(id: .directory(url.path), name: url.lastPathComponent)
            changed = true
        }
        var run = runs[url.path]!
        if trlFollowers[url.path]!.update(&run, now: now, heartbeatTimeout: heartbeatTimeout) {
            runs[url.path] = run
            changed = true
        }
        return changed
    }

    /// Adopts a run this workbench just created, and reads it at once.
    public func adopt(_ path: String, now: Double) {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        ownPaths.insert(url.path)
        if followers[url.path] == nil {
            followers[url.path] = RunFollower(url: url)
            runs[url.path] = RunInfo(id: .directory(url.path), name: url.lastPathComponent)
        }
        var run = runs[url.path]!
        run.ownedHere = true
        _ = followers[url.path]!.update(&run, now: now, own: true, focus: false, heartbeatTimeout: heartbeatTimeout)
        runs[url.path] = run
    }

    /// Merges an event of a run training in this process: new metric rows and the step counter show at once,
    /// before the files are next read.
    public func apply(_ event: TrainerEvent, to path: String, now: Double) {
        guard var run = runs[path] else { return }
        var status = run.status ?? RunStatus(state: .running, pid: getpid(), heartbeat: now, startedAt: now, stage: .prepare,
                                             step: 0, totalSteps: 0)
        switch event {
        case .stage(let name, let total):
            status.stage = name
            status.totalSteps = total
            status.step = 0
            status.startedAt = now
            status.state = .running
        case .metrics(let stage, let step, let values):
            if stage == .sft { run.sft.append(values) } else { run.metrics.append(values) }
            status.stage = stage
            status.step = step
            if status.state == .queued { status.state = .running }
        case .evaluation(_, let values):
            run.eval.append(values)
        case .state(let state, let message):
            status.state = state
            status.message = message
            if !state.isActive { run.stopping = false }
        case .log:
            break
        case .samples:
            followers[path]?.forceSamples = true
        case .checkpoint(_, let path):
            run.latestCheckpoint = path
        }
        status.heartbeat = now
        run.status = status
        runs[path] = run
    }

    /// Marks requests the UI made, so the table shows them before the trainer acts.
    public func mark(_ path: String, stopping: Bool? = nil, pauseRequested: Bool? = nil) {
        guard var run = runs[path] else { return }
        if let stopping { run.stopping = stopping }
        if let pauseRequested { run.pauseRequested = pauseRequested }
        runs[path] = run
    }

    public func release(_ path: String) {
        ownPaths.remove(path)
        runs[path]?.ownedHere = false
    }
}

/// Follows one run directory's files.
struct RunFollower {
    static let logLines = 40
    let url: URL
    private var statusModified = -1.0
    private var configRead = false
    private var metrics = JSONLTail()
    private var sft = JSONLTail()
    private var eval = JSONLTail()
    private var samples = JSONLTail()
    private var logSize: UInt64 = 0
    private var journalsRead = false
    private var sampler = ProcessSampler()
    var forceSamples = false

    init(url: URL) { self.url = url }

    /// Reads what changed into `run`; returns whether anything did.
    mutating func update(_ run: inout RunInfo, now: Double, own: Bool, focus: Bool, heartbeatTimeout: Double) -> Bool {
        var changed = false
        let statusURL = url.appendingPathComponent(RunDirectory.statusFile)
        let modified = Self.modificationTime(statusURL)
        let statusChanged = modified != statusModified
        if statusChanged {
            statusModified = modified
            if let data = try? Data(contentsOf: statusURL), var status = try? JSONDecoder().decode(RunStatus.self, from: data) {
                if own, let live = run.status {
                    // Events run ahead of the file, which is written about once a second.
                    if live.stage == status.stage { status.step = max(status.step, live.step) }
                    if !live.state.isActive { status.state = live.state }
                }
                run.status = status
                changed = true
            }
            let checkpoint = Checkpoint.latest(in: RunDirectory(url: url))?.url.path
            if checkpoint != run.latestCheckpoint {
                run.latestCheckpoint = checkpoint
                changed = true
            }
        }
        if !configRead {
            configRead = true
            if let experiment = try? RunDirectory(url: url).readConfig() {
                experiment.apply(to: &run)
                changed = true
            }
        }
        // A finished run's journals do not change until something resumes it, which rewrites its status first.
        let settled = !(run.status?.state.isActive ?? true) && !statusChanged && journalsRead && !forceSamples
        if !settled {
            journalsRead = true
            changed = Self.follow(&metrics, url.appendingPathComponent(RunDirectory.metricsFile), into: &run.metrics) || changed
            changed = Self.follow(&sft, url.appendingPathComponent(RunDirectory.sftMetricsFile), into: &run.sft) || changed
            changed = Self.follow(&eval, url.appendingPathComponent(RunDirectory.evalFile), into: &run.eval) || changed
            let (objects, reset) = samples.readObjects(url.appendingPathComponent(RunDirectory.samplesFile))
            if reset { run.samples = [] }
            if !objects.isEmpty || reset {
                run.samples += objects.compactMap(SampleRecord.init)
                changed = true
            }
            forceSamples = false
        }
        let lost = !own && (run.status.map { $0.isStale(now: now, timeout: heartbeatTimeout) && !Self.alive($0.pid) } ?? false)
        if lost != run.lost {
            run.lost = lost
            changed = true
        }
        if focus { changed = readLog(&run) || changed }
        let process = run.status.flatMap { status in
            status.state.isActive && !run.lost && Self.alive(status.pid) ? sampler.sample(pid: status.pid, now: now) : nil
        }
        if process != run.process {
            run.process = process
            changed = true
        }
        return changed
    }

    private static func follow(_ tail: inout JSONLTail, _ url: URL, into table: inout MetricTable) -> Bool {
        let (objects, reset) = tail.readObjects(url)
        if reset { table = MetricTable() }
        for object in objects { table.append(object.numbers) }
        return reset || !objects.isEmpty
    }

    private mutating func readLog(_ run: inout RunInfo) -> Bool {
        let url = url.appendingPathComponent(RunDirectory.logFile)
        var info = stat()
        guard stat(url.path, &info) == 0 else { return false }
        let size = UInt64(info.st_size)
        guard size != logSize else { return false }
        logSize = size
        guard let handle = FileHandle(forReadingAtPath: url.path) else { return false }
        defer { try? handle.close() }
        try? handle.seek(toOffset: size > 8192 ? size - 8192 : 0)
        let text = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
        run.log = Array(text.split(separator: "\n").map(String.init).suffix(Self.logLines))
        return true
    }

    static func fileSize(_ url: URL) -> Int {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return 0 }
        return Int(info.st_size)
    }

    static func modificationTime(_ url: URL) -> Double {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return -1 }
        return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
    }

    /// Whether a process with this id exists on this machine.
    static func alive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }
}
