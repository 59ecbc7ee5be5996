import Foundation
import Model
import Tokenizer

/// A model named on the command line: a Hugging Face directory, or a run directory (its `final/` model, else its
/// newest checkpoint, with the tokenizer the run used).
public struct ModelLocation: Sendable {
    public let modelDirectory: URL
    public let tokenizerDirectory: URL
    /// The run, when a run directory was named.
    public let run: RunDirectory?

    public init(_ path: String) throws {
        let url = URL(fileURLWithPath: path)
        let manager = FileManager.default
        func has(_ directory: URL, _ file: String) -> Bool { manager.fileExists(atPath: directory.appendingPathComponent(file).path) }
        if has(url, "config.json") {
            modelDirectory = url
            tokenizerDirectory = url
            run = nil
            return
        }
        guard has(url, RunDirectory.configFile) else {
            throw ExperimentError(key: nil, "\(path) is neither a model directory (config.json) nor a run directory (config.yaml)")
        }
        let run = RunDirectory(url: url)
        if has(run.finalURL, "config.json") {
            modelDirectory = run.finalURL
        } else if let latest = Checkpoint.latest(in: run) {
            modelDirectory = latest.url
        } else if has(run.sftURL, "config.json") {
            modelDirectory = run.sftURL
        } else {
            throw ExperimentError(key: nil, "run \(path) has no model yet (no final/, checkpoint or sft/)")
        }
        let experiment = try run.readConfig()
        if has(modelDirectory, "tokenizer.json") {
            tokenizerDirectory = modelDirectory
        } else if has(run.tokenizerURL, "tokenizer.json") {
            tokenizerDirectory = run.tokenizerURL
        } else {
            tokenizerDirectory = try experiment.modelDirectory()
        }
        self.run = run
    }

    /// The model a run's policy started from, which is its reference: `sft/` after an SFT stage, else the
    /// experiment's model directory. Nil for a bare model directory or a fresh `builtin:tiny` without SFT.
    public func referenceDirectory() throws -> URL? {
        guard let run else { return nil }
        let experiment = try run.readConfig()
        if experiment.sftEnabled { return run.sftURL }
        return experiment.model == "builtin:tiny" ? nil : try experiment.modelDirectory()
    }

    public func loadModel() throws -> Transformer { try Transformer.load(directory: modelDirectory) }
    public func loadTokenizer() throws -> BPETokenizer { try BPETokenizer.load(directory: tokenizerDirectory) }
}
