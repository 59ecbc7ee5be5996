import ArgumentParser
import Foundation
import Model
import Preference
import Tokenizer
import Training

/// `dpo export`: hand a run to other trainers.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Hand an experiment or run to TRL + Accelerate on GPUs.", subcommands: [ExportTRL.self])
}

/// `dpo export trl EXPERIMENT_OR_RUN --out DIR`.
struct ExportTRL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trl",
        abstract: "Write a TRL 1.16 DPO config, an Accelerate config, the data as TRL-format JSONL and the model.",
        discussion: """
            From a run, the model is its starting point (its SFT model when it had an SFT stage) and the data its \
            pairs; from an experiment file, the model directory it names. Every setting TRL would ignore or compute \
            differently is printed and kept as a comment in trl_config.yaml. Then, in DIR: \
            accelerate launch --config_file accelerate_config.yaml -m trl.scripts.dpo --config trl_config.yaml
            """)

    @Argument(help: "An experiment file, or a run directory.") var source: String
    @Option(help: "Output directory (created if needed).") var out: String
    @Option(help: "Accelerate setup: \(AccelerateSetup.allCases.map(\.rawValue).joined(separator: ", ")).")
    var accelerate: AccelerateSetup = .single
    @Option(help: "GPUs (processes) for multi, zero3 and fsdp2.") var gpus = 8

    func run() throws {
        let directory = URL(fileURLWithPath: out)
        let sourceURL = URL(fileURLWithPath: source)
        let isRun = FileManager.default.fileExists(atPath: sourceURL.appendingPathComponent(RunDirectory.configFile).path)
        let experiment = isRun ? try RunDirectory(url: sourceURL).readConfig() : try Experiment(contentsOf: sourceURL)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

        let model = try exportModel(experiment, run: isRun ? RunDirectory(url: sourceURL) : nil, into: directory)
        let hasTest = try exportData(experiment, into: directory.appendingPathComponent("data"))
        let export = try TRLExport(experiment, model: model, data: "data", hasTestSplit: hasTest)
        try AtomicFile.write(Data(export.yaml.utf8), to: directory.appendingPathComponent("trl_config.yaml"))
        try AtomicFile.write(Data(accelerate.config(processes: gpus).utf8), to: directory.appendingPathComponent("accelerate_config.yaml"))
        print("wrote \(directory.path): trl_config.yaml, accelerate_config.yaml (\(accelerate.rawValue)), data/, model \(model)")
        for warning in export.warnings { print("warning: \(warning)") }
        print("run there: accelerate launch --config_file accelerate_config.yaml -m trl.scripts.dpo --config trl_config.yaml")
    }

    /// The starting model as `model_name_or_path`: a run's SFT model is copied in (with the files transformers needs);
    /// a model directory of the experiment's is named where it is, since it may be large.
    private func exportModel(_ experiment: Experiment, run: RunDirectory?, into directory: URL) throws -> String {
        if let run, FileManager.default.fileExists(atPath: run.sftURL.appendingPathComponent("config.json").path) {
            try saveModelDirectory(try Transformer.load(directory: run.sftURL), tokenizer: try BPETokenizer.load(directory: run.sftURL),
                                   to: directory.appendingPathComponent("model"))
            return "model"
        }
        guard experiment.model != "builtin:tiny" else {
            throw ValidationError("builtin:tiny exists only inside a run: train it (its SFT stage makes the model), then export the run")
        }
        return try experiment.modelDirectory().standardizedFileURL.path
    }

    /// train.jsonl, and test.jsonl when the experiment has held-out pairs of its own; returns whether it has.
    private func exportData(_ experiment: Experiment, into data: URL) throws -> Bool {
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let resolution = ExperimentResolution(experiment)
        try write(try resolution.trainingRecords().records, to: data.appendingPathComponent("train.jsonl"))
        let held: [PreferenceRecord]
        if let task = try resolution.builtinTask() {
            held = task.records(.heldOut, count: experiment.builtinEvalPairs)
        } else if let file = experiment.evalDataset {
            held = try RecordLoader.load(contentsOf: URL(fileURLWithPath: file), format: nil, layout: nil).records
        } else {
            if experiment.evalFraction > 0 { print("warning: eval_fraction: the held-out share is not exported; TRL evaluates on nothing") }
            return false
        }
        guard !held.isEmpty else { return false }
        try write(held, to: data.appendingPathComponent("test.jsonl"))
        return true
    }

    private func write(_ records: [PreferenceRecord], to url: URL) throws {
        let lines = try records.map { record -> String in
            guard case .pair(let pair) = record else {
                throw ValidationError("\(record.source): an unpaired (KTO) row; TRL's DPOTrainer needs preference pairs")
            }
            return pair.trlJSON.serialized
        }
        try AtomicFile.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: url)
    }
}

/// The Accelerate setups a run moves to.
enum AccelerateSetup: String, CaseIterable, ExpressibleByArgument {
    case single, multi, zero3, fsdp2

    /// accelerate's config file (`accelerate config` writes the same keys).
    func config(processes: Int) -> String {
        let common = "compute_environment: LOCAL_MACHINE\nmachine_rank: 0\nnum_machines: 1\nmixed_precision: 'no'\nuse_cpu: false\n"
        switch self {
        case .single:
            return common + "distributed_type: 'NO'\nnum_processes: 1\ngpu_ids: '0'\n"
        case .multi:
            return common + "distributed_type: MULTI_GPU\nnum_processes: \(processes)\ngpu_ids: all\n"
        case .zero3:
            return common + """
                distributed_type: DEEPSPEED
                num_processes: \(processes)
                deepspeed_config:
                  deepspeed_multinode_launcher: standard
                  offload_optimizer_device: none
                  offload_param_device: none
                  zero3_init_flag: true
                  zero3_save_16bit_model: true
                  zero_stage: 3

                """
        case .fsdp2:
            return common + """
                distributed_type: FSDP
                num_processes: \(processes)
                fsdp_config:
                  fsdp_version: 2
                  fsdp_auto_wrap_policy: TRANSFORMER_BASED_WRAP
                  fsdp_cpu_ram_efficient_loading: true
                  fsdp_offload_params: false
                  fsdp_reshard_after_forward: true
                  fsdp_state_dict_type: FULL_STATE_DICT

                """
        }
    }
}
