import Foundation

/// The real `dpo` executable, built beside the test bundle, run as a user would run it.
public enum DPOProcess {
    public static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("dpo")
    }

    /// Starts `dpo arguments` in `directory` with `environment` added to this process's, its output (stdout and
    /// stderr together) going to `output` when given.
    public static func launch(_ arguments: [String], in directory: URL, environment: [String: String] = [:],
                              output: URL? = nil) throws -> Process {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw TestSupportError("no dpo binary at \(binary.path): build the dpo product first")
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        if let output {
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            let handle = try FileHandle(forWritingTo: output)
            process.standardOutput = handle
            process.standardError = handle
        } else {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        return process
    }

    /// Runs `dpo arguments` to its end; returns its exit status (128 + n for a signal n) and its output.
    public static func run(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws
        -> (status: Int32, output: String)
    {
        let output = directory.appendingPathComponent(".dpo-output-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let process = try launch(arguments, in: directory, environment: environment, output: output)
        process.waitUntilExit()
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return (status, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }
}

extension DPOProcess {
    /// Runs `/bin/sh -c command`; returns its exit status and output (stdout and stderr together).
    public static func shell(_ command: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command + " 2>&1"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// A fresh directory under the system's temporary folder (the test removes it).
public func makeTemporaryDirectory(_ prefix: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The run directories in an `output_dir`: its entries but the hidden caches (`.sft-cache`, …); none while the
/// folder does not exist yet, so a test may poll it while a trainer is still creating it.
public func runFolders(in outputDir: URL) -> [URL] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: outputDir.path)) ?? []
    return names.filter { !$0.hasPrefix(".") }.map { outputDir.appendingPathComponent($0) }
}

public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
