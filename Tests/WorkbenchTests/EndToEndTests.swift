import Foundation
import Preference
import TestSupport
import Training
import XCTest

/// The real `dpo` binary driven in tmux: keys with `send-keys`, the screen read back with `capture-pane`. Each
/// test runs its own tmux server (`-L`) and kills it at the end, so no session is left behind.
final class EndToEndTests: XCTestCase {
    /// A run of a few seconds even in a debug build: a 1-layer, 16-wide model on 64 pairs.
    static let overrides = [
        "builtin.train_pairs=64", "builtin.eval_pairs=16", "tiny.vocab_size=300", "tiny.hidden_size=16", "tiny.num_hidden_layers=1",
        "tiny.num_attention_heads=2", "tiny.intermediate_size=32", "sft.max_steps=5", "max_steps=20", "per_device_train_batch_size=4",
        "max_length=64", "max_prompt_length=24", "learning_rate=0.001", "eval_steps=10", "samples.prompts=4", "samples.max_new_tokens=8",
    ]

    static func tinyExperiment(outputDir: String) -> String {
        var lines = overrides.map { $0.replacingOccurrences(of: "=", with: ": ") }
        lines.append("output_dir: \(outputDir)")
        return lines.joined(separator: "\n") + "\n"
    }

    var folder: URL!
    let socket = "dpo-e2e-\(getpid())-\(UUID().uuidString.prefix(8))"

    var binary: URL {
        var directory = Bundle(for: Self.self).bundleURL
        if directory.pathExtension == "xctest" { directory.deleteLastPathComponent() }
        return directory.appendingPathComponent("dpo")
    }

    override func setUpWithError() throws {
        // `make test` installs tmux and builds dpo: a missing one is a failure, not a reason to skip.
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/tmux") else {
            throw TestSupportError("tmux is not installed (scripts/install-deps.sh installs it)")
        }
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { throw TestSupportError("no dpo binary at \(binary.path)") }
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("dpo-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        _ = tmux(["kill-server"])
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    // MARK: tmux

    /// Runs tmux with its output in a temporary file, waited for with waitpid: the call that starts the tmux
    /// server must not hand it a pipe (the server would hold it open), and Foundation's `Process` was seen not to
    /// reap tmux's client.
    @discardableResult
    func tmux(_ arguments: [String]) -> (status: Int32, output: String) {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("tmux-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let argv = ["tmux", "-L", socket] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, "tmux", &actions, nil, &cArguments, environ)
        guard spawned == 0 else { return (-1, "posix_spawnp: \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        let exited = status & 0x7f == 0
        return (exited ? (status >> 8) & 0xff : -1, text)
    }

    func start(_ command: String) {
        let result = tmux(["new-session", "-d", "-s", "dpo", "-x", "120", "-y", "40", "-c", folder.path, "-e", "LANG=C.UTF-8",
                           "-e", "TERM=tmux-256color", "exec " + command])
        XCTAssertEqual(result.status, 0, result.output)
    }

    func screen() -> String { tmux(["capture-pane", "-p", "-t", "dpo"]).output }

    func keys(_ keys: String...) { tmux(["send-keys", "-t", "dpo"] + keys) }
    func text(_ text: String) { tmux(["send-keys", "-t", "dpo", "-l", text]) }

    /// Polls the screen until `condition` holds; fails with the last screen after `timeout` seconds.
    @discardableResult
    func waitFor(_ what: String, timeout: Double = 60, file: StaticString = #filePath, line: UInt = #line,
                 _ condition: (String) -> Bool) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = screen()
            if condition(last) { return last }
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTFail("timed out waiting for \(what); the screen:\n\(last)", file: file, line: line)
        return last
    }

    var command: String {
        ([binary.path] + Self.overrides.flatMap { ["--set", $0] } + ["--set", "output_dir=\(folder.path)/runs"]).joined(separator: " ")
    }

    func statusFiles() -> [URL] {
        runFolders(in: folder.appendingPathComponent("runs")).map { $0.appendingPathComponent("status.json") }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
    }

    func status(_ url: URL) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(contentsOf: url))) as? [String: Any] ?? [:]
    }

    static func firstMatch(_ pattern: String, in text: String) -> [String]? {
        guard let regex = try? NSRegularExpression(pattern: pattern),
              let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { return nil }
        return (0..<match.numberOfRanges).map { Range(match.range(at: $0), in: text).map { String(text[$0]) } ?? "" }
    }

    // MARK: tests

    /// `dpo` with no subcommand opens the built-in demo: browse and search the data, change β, start a run, watch
    /// the Charts screen's step counter and curves move, quit.
    func testDemoWorkflow() throws {
        start(command)
        var shown = waitFor("the demo's pairs", timeout: 120) { $0.contains("Pairs · 64") }
        XCTAssertTrue(shown.contains("1 Data") && shown.contains("4 Charts"), shown)
        XCTAssertTrue(shown.contains("builtin:sentiment"), shown)

        // Search for a word of the second pair's prompt; the cursor moves to a pair containing it.
        let row = try XCTUnwrap(shown.split(separator: "\n").first { $0.contains("│ 2 ") }, shown)
        let word = try XCTUnwrap(row.split(separator: " ").map { $0.filter(\.isLetter) }.filter { $0.count >= 5 }.first, String(row))
        keys("/")
        text(word.lowercased())
        keys("Enter")
        shown = waitFor("search results") { $0.contains("/\(word.lowercased()):") }
        let matches = Int(Self.firstMatch("/\(word.lowercased()): (\\d+)", in: shown)?[1] ?? "0") ?? 0
        XCTAssertGreaterThan(matches, 0, shown)
        keys("n")

        // β on the Config screen, by command and checked in the table.
        keys("2")
        waitFor("the Config screen") { $0.contains("Experiment ·") }
        text(":beta 0.25")
        keys("Enter")
        shown = waitFor("β set") { $0.contains("beta = 0.25 (was 0.3)") }  // the built-in demo's β (experiments/demo.yaml)
        XCTAssertNotNil(Self.firstMatch("• beta +0\\.25", in: shown), shown)

        // Start, then watch the step counter and the loss curve advance.
        keys("s")
        keys("4")
        shown = waitFor("DPO steps", timeout: 120) { Self.firstMatch("dpo (\\d+)/20", in: $0).map { Int($0[1])! >= 2 } ?? false }
        let firstStep = Int(Self.firstMatch("dpo (\\d+)/20", in: shown)![1])!
        let firstChart = shown.split(separator: "\n").dropFirst(3).prefix(12).joined(separator: "\n")
        XCTAssertTrue(firstChart.unicodeScalars.contains { $0.value > 0x2800 && $0.value <= 0x28FF }, "no braille curve:\n\(shown)")
        shown = waitFor("more DPO steps", timeout: 120) { Self.firstMatch("dpo (\\d+)/20", in: $0).map { Int($0[1])! > firstStep + 2 } ?? false }
        let laterChart = shown.split(separator: "\n").dropFirst(3).prefix(12).joined(separator: "\n")
        XCTAssertNotEqual(firstChart, laterChart, "the curves did not move")
        XCTAssertTrue(shown.contains("β0.25"), "the run's legend/header shows the new β:\n\(shown)")

        waitFor("the run to finish", timeout: 180) { $0.contains("finished") }
        keys("q")
        let deadline = Date().addingTimeInterval(10)
        while tmux(["has-session", "-t", "dpo"]).status == 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        XCTAssertNotEqual(tmux(["has-session", "-t", "dpo"]).status, 0, "dpo did not exit on q")
        let config = try String(contentsOf: statusFiles()[0].deletingLastPathComponent().appendingPathComponent("config.yaml"), encoding: .utf8)
        XCTAssertTrue(config.contains("beta: 0.25"), config)
    }

    /// Losing the terminal stops the drawing, not the run: after the tmux server (and with it the terminal) is
    /// killed, the run still reaches `finished`, and then the process exits.
    func testRunSurvivesHangup() throws {
        start(command)
        waitFor("the demo's pairs", timeout: 120) { $0.contains("Pairs · 64") }
        keys("s")
        let deadline = Date().addingTimeInterval(60)
        while statusFiles().isEmpty, Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        let file = try XCTUnwrap(statusFiles().first, "no run started")
        XCTAssertEqual(tmux(["kill-server"]).status, 0)
        let finishDeadline = Date().addingTimeInterval(180)
        var state = ""
        while Date() < finishDeadline {
            state = status(file)["state"] as? String ?? ""
            if state == "finished" || state == "failed" || state == "stopped" { break }
            Thread.sleep(forTimeInterval: 0.5)
        }
        XCTAssertEqual(state, "finished", "\(status(file))")
        let pid = (status(file)["pid"] as? NSNumber)?.int32Value ?? 0
        let exitDeadline = Date().addingTimeInterval(15)
        while kill(pid, 0) == 0, Date() < exitDeadline { Thread.sleep(forTimeInterval: 0.2) }
        XCTAssertNotEqual(kill(pid, 0), 0, "the workbench process \(pid) is still alive after its run finished")
    }

    /// The terminal lost while a parent takes the hangup (as `make run`: the session's leader gets the SIGHUP and
    /// stays, waiting): the workbench sees the closed terminal itself and, with no run of its own, exits. It used
    /// to spin a core, reading keys that no longer waited, until killed.
    func testExitsWhenTheTerminalGoesWithoutASIGHUP() throws {
        start("sh -c 'trap \"\" HUP; \(command); true'")
        waitFor("the demo's pairs", timeout: 120) { $0.contains("Pairs · 64") }
        let shell = pid_t(tmux(["display-message", "-p", "-t", "dpo", "#{pane_pid}"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        XCTAssertGreaterThan(shell, 0)
        XCTAssertEqual(tmux(["kill-server"]).status, 0)
        let deadline = Date().addingTimeInterval(20)
        while kill(shell, 0) == 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        XCTAssertNotEqual(kill(shell, 0), 0, "the workbench (under a shell that ignores SIGHUP) still runs after its terminal went")
    }

    /// Starts a long run in the workbench, detaches (q, d) and returns the run's status file once the terminal is
    /// free and the detached process still trains.
    func detachedRun() throws -> URL {
        start(command + " --set max_steps=5000")
        waitFor("the demo's pairs", timeout: 120) { $0.contains("Pairs · 64") }
        keys("s")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, !(statusFiles().first.map { status($0)["stage"] as? String == "dpo" } ?? false) {
            Thread.sleep(forTimeInterval: 0.2)
        }
        let file = try XCTUnwrap(statusFiles().first, "no run started")
        keys("q")
        waitFor("the quit dialog") { $0.contains("keep them running detached") }
        keys("d")
        let gone = Date().addingTimeInterval(15)
        while tmux(["has-session", "-t", "dpo"]).status == 0, Date() < gone { Thread.sleep(forTimeInterval: 0.2) }
        XCTAssertNotEqual(tmux(["has-session", "-t", "dpo"]).status, 0, "the terminal is still held after the detach")
        let pid = (status(file)["pid"] as? NSNumber)?.int32Value ?? 0
        XCTAssertEqual(kill(pid, 0), 0, "the detached workbench process \(pid) is gone")
        XCTAssertEqual(status(file)["state"] as? String, "running")
        return file
    }

    /// Waits for a run to end stopped with a checkpoint, and for its process to exit.
    func assertStopsWithACheckpoint(_ file: URL, file source: StaticString = #filePath, line: UInt = #line) {
        let pid = (status(file)["pid"] as? NSNumber)?.int32Value ?? 0
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, status(file)["state"] as? String == "running" { Thread.sleep(forTimeInterval: 0.2) }
        XCTAssertEqual(status(file)["state"] as? String, "stopped", "\(status(file))", file: source, line: line)
        let checkpoints = file.deletingLastPathComponent().appendingPathComponent("checkpoints")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: checkpoints.path)) ?? []
        XCTAssertTrue(names.contains { $0.hasPrefix("step-") }, "no checkpoint: \(names)", file: source, line: line)
        let exitDeadline = Date().addingTimeInterval(15)
        while kill(pid, 0) == 0, Date() < exitDeadline { Thread.sleep(forTimeInterval: 0.2) }
        XCTAssertNotEqual(kill(pid, 0), 0, "the detached process \(pid) is still alive", file: source, line: line)
    }

    /// A run left training by a detach stops on `x` in a second workbench, through the run's stop-request file
    /// (the detached process is not this workbench's, so no thread of this one can stop it).
    func testDetachedRunStopsOnXFromAnotherWorkbench() throws {
        let file = try detachedRun()
        start("\(binary.path) tui \(folder.path)/runs")
        keys("3")
        waitFor("the detached run", timeout: 60) { $0.contains("running") }
        keys("x")
        assertStopsWithACheckpoint(file)
        keys("q")
    }

    /// A detached workbench still obeys SIGTERM: its runs checkpoint and stop, and it exits.
    func testDetachedRunStopsOnSIGTERM() throws {
        let file = try detachedRun()
        kill((status(file)["pid"] as? NSNumber)?.int32Value ?? 0, SIGTERM)
        assertStopsWithACheckpoint(file)
    }

    /// `dpo watch` follows a run that `dpo train` writes in another process: the step it shows keeps advancing, and
    /// its Diagnostics screen reads the run's evaluations.
    /// Its CPU share is printed as a figure, not asserted (a loaded machine would break any threshold).
    func testWatchFollowsAnotherProcess() throws {
        let experimentFile = folder.appendingPathComponent("tiny.yaml")
        try Self.tinyExperiment(outputDir: folder.appendingPathComponent("runs").path).replacingOccurrences(of: "max_steps: 20", with: "max_steps: 5000")
            .write(to: experimentFile, atomically: true, encoding: .utf8)
        let train = Process()
        train.executableURL = binary
        train.arguments = ["train", experimentFile.path]
        train.currentDirectoryURL = folder
        train.standardOutput = FileHandle.nullDevice
        train.standardError = FileHandle.nullDevice
        try train.run()
        defer { if train.isRunning { train.terminate(); train.waitUntilExit() } }
        let runs = folder.appendingPathComponent("runs").path
        start("\(binary.path) watch \(runs)")
        let step = { (screen: String) in Self.firstMatch("dpo +(\\d+)/5000", in: screen).flatMap { Int($0[1]) } }
        let first = step(waitFor("the run of the other process", timeout: 120) { $0.contains("running") && step($0) != nil })!
        waitFor("later steps of the run", timeout: 120) { (step($0) ?? 0) > first + 5 }
        let pid = Int32(tmux(["list-panes", "-t", "dpo", "-F", "#{pane_pid}"]).output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        keys("4")
        waitFor("the Charts screen") { $0.contains("rewards/margins") }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        func cpuSeconds() -> Double {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = text.lastIndex(of: ")") else { return .nan }
            let fields = text[text.index(after: close)...].split(separator: " ")
            return (Double(fields[11])! + Double(fields[12])!) / ticks
        }
        let before = cpuSeconds(), started = Date()
        Thread.sleep(forTimeInterval: 5)
        let share = (cpuSeconds() - before) / Date().timeIntervalSince(started)
        print(String(format: "dpo watch CPU while another process trains: %.1f%% of one core (debug build)", share * 100))
        keys("6")
        waitFor("the Diagnostics screen judging the run from its evaluations", timeout: 120) {
            $0.contains("Diagnostics · ") && $0.contains("likelihood displacement") && $0.contains("nats per sample")
        }
        keys("3")
        waitFor("the runs list") { $0.contains("running") }
        keys("q")
    }

    /// `dpo watch` on a TRL output directory while a writer appends TensorBoard events as transformers' callback
    /// does (one event a tag, `train/…` and `eval/…`): the run's step and its loss chart follow the file.
    func testWatchFollowsATRLRunsEventFile() throws {
        let output = folder.appendingPathComponent("trl-dpo")
        let events = output.appendingPathComponent("runs/Dec03_10-00-00_host")
        try FileManager.default.createDirectory(at: events, withIntermediateDirectories: true)
        let file = events.appendingPathComponent("events.out.tfevents.1767225600.host.1.0")
        FileManager.default.createFile(atPath: file.path, contents: Data(TFRecord.frame(TensorBoardEvent.version(wallTime: 1767225600).encoded())))
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        var step: Int64 = 0
        func write(steps: Int) throws {
            for _ in 0..<steps {
                step += 1
                let time = Date().timeIntervalSince1970
                for (tag, value) in [("train/loss", 1 / Float(step)), ("train/rewards/margins", Float(step) / 100)] {
                    try handle.seekToEnd()
                    try handle.write(contentsOf: Data(TFRecord.frame(TensorBoardEvent(wallTime: time, step: step, content: .scalars([.init(tag, value)])).encoded())))
                }
            }
        }
        try write(steps: 5)
        start("\(binary.path) watch \(output.path)")
        waitFor("the TRL run at step 5") { $0.contains("trl-dpo") && $0.contains("running") && $0.contains("5/5") }
        try write(steps: 15)
        waitFor("the TRL run at step 20", timeout: 60) { $0.contains("20/20") }
        keys("4")
        waitFor("its loss chart with the last value") { $0.contains("rewards/margins") && $0.contains("0.05") }
        keys("q")
    }

    /// The judge screen on a run's generated pairs: J on the Runs screen, then a, b, t, as a person would. The
    /// preference file holds the two decisive verdicts, each with the side shown under the pressed letter as
    /// chosen, and the loader a run uses reads it.
    func testJudgeScreenSavesTheHumansPairs() throws {
        let run = try HumanJudgeTests.makeRun(in: folder.appendingPathComponent("runs"))
        start("\(binary.path) tui \(folder.path)/runs")
        keys("3")
        waitFor("the run with generated pairs") { $0.contains(run.lastPathComponent) }
        keys("J")
        var picked: [(chosen: String, rejected: String)] = []
        for (index, key) in ["a", "b", "t"].enumerated() {
            // The whole pair drawn, not only its title (a capture can fall between the rows of one redraw).
            let (chosen, rejected) = HumanJudgeTests.generated[index]
            let row = { (screen: String) in screen.split(separator: "\n").first { $0.contains(chosen) && $0.contains(rejected) } }
            let shown = waitFor("pair \(index + 1)") { $0.contains("Judge · pair \(index + 1) of 3") && row($0) != nil }
            // Which completion is A: the one in the left half of the screen.
            let line = try XCTUnwrap(row(shown), shown)
            let column = { (text: String) in line.distance(from: line.startIndex, to: line.range(of: text)!.lowerBound) }
            let (a, b) = column(chosen) < column(rejected) ? (chosen, rejected) : (rejected, chosen)
            if key == "a" { picked.append((a, b)) }
            if key == "b" { picked.append((b, a)) }
            keys(key)
        }
        waitFor("every pair judged") { $0.contains("Judge · done") }
        keys("q")
        waitFor("the Runs screen again") { $0.contains("3/3 judged, 1 tie, 0 skipped; pairs in") }
        keys("q")
        let deadline = Date().addingTimeInterval(10)
        while tmux(["has-session", "-t", "dpo"]).status == 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }

        let file = run.appendingPathComponent("human_pairs.jsonl")
        let loaded = try RecordLoader.load(contentsOf: file)
        XCTAssertEqual(loaded.format, .standard)
        XCTAssertEqual(loaded.problems.count, 0)
        let pairs = loaded.records.compactMap { record -> PreferencePair? in
            if case .pair(let pair) = record { return pair }
            return nil
        }
        XCTAssertEqual(pairs.map(\.prompt), [.text("Review 1:"), .text("Review 2:")])
        XCTAssertEqual(pairs.map(\.chosen), picked.map { .text($0.chosen) })
        XCTAssertEqual(pairs.map(\.rejected), picked.map { .text($0.rejected) })
        var experiment = try Experiment(yaml: Self.tinyExperiment(outputDir: folder.appendingPathComponent("runs").path))
        experiment.dataset = file.path
        XCTAssertEqual(try ExperimentResolution(experiment).trainingRecords().records.count, 2)
        let journal = try RunDirectory(url: run).records("human_judgments.jsonl")
        XCTAssertEqual(journal.map { $0["verdict"] as? String }, ["a", "b", "tie"])
    }
}
