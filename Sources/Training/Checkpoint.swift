import Foundation
import Model

/// Where a run stands, saved with each checkpoint. Data order is a pure function of the seed and the epoch, so
/// the step alone says where in the data a resumed run continues; with parameters and optimizer moments this
/// makes a resumed run identical to an uninterrupted one.
public struct TrainerState: Sendable, Codable, Equatable {
    public var stage: Stage
    public var step: Int
    public var totalSteps: Int
    public var optimizerStep: Int

    enum CodingKeys: String, CodingKey {
        case stage, step
        case totalSteps = "total_steps"
        case optimizerStep = "optimizer_step"
    }
}

/// `checkpoints/step-N/`: the model as a Hugging Face directory (or its LoRA adapters in PEFT layout under
/// `adapter/`), the optimizer's moments, and the trainer state.
/// Written into a hidden sibling folder and renamed into place, so a checkpoint directory is always complete.
public enum Checkpoint {
    /// How many checkpoints a run keeps (the newest ones).
    public static let kept = 2

    public static func save(
        model: Transformer, optimizer: Optimizer, state: TrainerState, in run: RunDirectory
    ) throws -> URL {
        let parent = run.checkpointsURL
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        let final = parent.appendingPathComponent("step-\(state.step)")
        // A stop right after a scheduled checkpoint saves the same step again: the one on disk is that very state,
        // and replacing it would leave a moment with no checkpoint of the step.
        if latest(in: run)?.state == state { return final }
        let partial = parent.appendingPathComponent(".step-\(state.step).partial")
        try? FileManager.default.removeItem(at: partial)
        if let adapters = model.adapters {
            try adapters.save(directory: partial.appendingPathComponent("adapter"), baseModel: "")
        } else {
            try model.save(directory: partial)
        }
        let count = optimizer.block.count
        try SafetensorsFile.write([
            (name: "exp_avg", shape: [count], values: UnsafeBufferPointer(start: optimizer.firstMoment.pointer, count: count)),
            (name: "exp_avg_sq", shape: [count], values: UnsafeBufferPointer(start: optimizer.secondMoment.pointer, count: count)),
        ], to: partial.appendingPathComponent("optimizer.safetensors"))
        try run.syncJournals()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(state), to: partial.appendingPathComponent("trainer_state.json"))
        FaultPoint.checkpoint.reached(state.step)
        try? FileManager.default.removeItem(at: final)
        try FileManager.default.moveItem(at: partial, to: final)
        try prune(parent)
        return final
    }

    /// The newest complete checkpoint of a run, if any.
    public static func latest(in run: RunDirectory) -> (url: URL, state: TrainerState)? {
        let parent = run.checkpointsURL
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent.path) else { return nil }
        let candidates = names.compactMap { name -> (URL, TrainerState)? in
            guard name.hasPrefix("step-") else { return nil }
            let url = parent.appendingPathComponent(name)
            guard let data = try? Data(contentsOf: url.appendingPathComponent("trainer_state.json")),
                  let state = try? JSONDecoder().decode(TrainerState.self, from: data) else { return nil }
            return (url, state)
        }
        return candidates.max { $0.1.step < $1.1.step }.map { (url: $0.0, state: $0.1) }
    }

    /// Loads a checkpoint's parameters and optimizer moments into an existing model and optimizer.
    public static func restore(_ url: URL, state: TrainerState, model: Transformer, optimizer: Optimizer) throws {
        try loadWeights(url, into: model)
        let moments = try SafetensorsFile(contentsOf: url.appendingPathComponent("optimizer.safetensors"))
        try moments.read("exp_avg", into: optimizer.firstMoment.pointer)
        try moments.read("exp_avg_sq", into: optimizer.secondMoment.pointer)
        optimizer.restore(step: state.optimizerStep)
    }

    /// Loads a checkpoint's parameters (its LoRA adapter when the model has adapters attached) into `model`, for a
    /// resume or a warm start (`init_from`).
    public static func loadWeights(_ url: URL, into model: Transformer) throws {
        if let adapters = model.adapters {
            let saved = try LoRAAdapters.load(directory: url.appendingPathComponent("adapter"), config: model.config)
            guard saved.count == adapters.count else { throw ExperimentError(key: nil, "checkpoint \(url.path) has other adapters") }
            adapters.parameters.pointer.update(from: saved.parameters.pointer, count: adapters.count)
        } else {
            let saved = try Transformer.load(directory: url)
            guard saved.config == model.config else {
                throw ExperimentError(key: nil, "checkpoint \(url.path) has a different model shape")
            }
            model.parameters.pointer.update(from: saved.parameters.pointer, count: model.parameterCount)
        }
    }

    private static func prune(_ parent: URL) throws {
        let steps = try FileManager.default.contentsOfDirectory(atPath: parent.path)
            .compactMap { $0.hasPrefix("step-") ? Int($0.dropFirst(5)) : nil }.sorted()
        for step in steps.dropLast(kept) {
            try FileManager.default.removeItem(at: parent.appendingPathComponent("step-\(step)"))
        }
    }
}
