import ArgumentParser
import Foundation
import Kernels
import Model
import Training

/// `dpo bench generate`: sampling many completions at once, as online DPO does, with the batched KV-cache decoder
/// (`generate(prompts:)`: each weight read once for all sequences each step, `batchMatvecForward`) against the
/// one-sequence-at-a-time loop (`generate(prompt:)`: one matrix-vector pass over the weights per token) on the same
/// prompts, alternated in the same process. The peer is `bench/hf_generate.py` (transformers' `generate`, the same prompts).
struct BenchGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Batched sampling throughput against the single-sequence loop on the same prompts, same process.")

    @Option(help: "Hugging Face model directory (or run directory).") var model: String
    @Option(help: "Sequences sampled together.") var batch = 16
    @Option(help: "Prompt length: generated prompts vary from 3/4 to 5/4 of it; --data prompts are cut to their last this many tokens.")
    var promptTokens = 32
    @Option(help: "Tokens generated per sequence (EOS is ignored, so every sequence generates exactly this many).")
    var newTokens = 64
    @Option(help: "Take the prompts of the first --batch records of this JSONL file (a string `prompt` field) instead of generated token ids.")
    var data: String?
    @Option(help: "Sampling seed (sequence i draws with seed(forSequence: i) in both loops).") var seed: UInt64 = 0
    @Option(help: "Measured rounds, each one batched run and one single-sequence loop; medians are reported.") var rounds = 1
    @Flag(help: "Only the batched run, for comparing two builds back to back (the single loop takes several times longer).")
    var batchedOnly = false
    @Flag(help: "End with one JSON line: tokens_per_s, single_tokens_per_s, speedup, peak_rss_mb, batch, new_tokens.")
    var json = false

    func validate() throws {
        guard batch >= 1, promptTokens >= 1, newTokens >= 1, rounds >= 1 else {
            throw ValidationError("--batch, --prompt-tokens, --new-tokens and --rounds must be at least 1")
        }
    }

    func run() throws {
        Measure.warnIfDebugBuild()
        let location = try ModelLocation(model)
        let transformer = try location.loadModel()
        let config = transformer.config
        let prompts = try data.map { try Self.dataPrompts($0, location: location, count: batch, keep: promptTokens) }
            ?? Self.generatedPrompts(count: batch, length: promptTokens, vocab: config.vocabSize)
        // Plain sampling from the softmax (temperature 1, no top-k or top-p) and no stop tokens: no sequence ends
        // early, so both loops generate exactly batch × newTokens tokens.
        let settings = SamplingSettings(temperature: 1, maxNewTokens: newTokens, seed: seed)
        let generated = Double(batch * newTokens)

        // Warm-up: pages the weights in and lets OpenBLAS allocate its buffers, for both paths.
        var short = settings
        short.maxNewTokens = min(4, newTokens)
        _ = try transformer.generate(prompts: prompts, settings: short, stopTokens: [])
        if !batchedOnly { _ = try transformer.generate(prompt: prompts[0], settings: short, stopTokens: []) }

        var batchedRates: [Double] = [], singleRates: [Double] = [], ratios: [Double] = []
        var batched: [[Int32]] = [], single: [[Int32]] = []
        for _ in 0..<rounds {
            let batchedSeconds = try Measure.seconds {
                batched = try transformer.generate(prompts: prompts, settings: settings, stopTokens: [])
            }
            batchedRates.append(generated / batchedSeconds)
            if batchedOnly { continue }
            let singleSeconds = try Measure.seconds {
                single = try prompts.indices.map { i in
                    var own = settings
                    own.seed = settings.seed(forSequence: i)
                    return try transformer.generate(prompt: prompts[i], settings: own, stopTokens: [])
                }
            }
            singleRates.append(generated / singleSeconds)
            ratios.append(singleSeconds / batchedSeconds)
        }
        guard batched.allSatisfy({ $0.count == newTokens }), batchedOnly || single.allSatisfy({ $0.count == newTokens }) else {
            throw ValidationError("a sequence generated fewer than \(newTokens) tokens")
        }
        let identical = zip(batched, single).filter { $0 == $1 }.count
        let lengths = prompts.map(\.count)
        var figures: [String: Double] = [
            "tokens_per_s": Measure.median(batchedRates), "peak_rss_mb": Measure.peakResidentMegabytes(),
            "batch": Double(batch), "new_tokens": Double(newTokens), "prompt_tokens": Double(lengths.reduce(0, +)),
        ]
        if !batchedOnly {
            figures["single_tokens_per_s"] = Measure.median(singleRates)
            figures["speedup"] = Measure.median(ratios)
            figures["identical_sequences"] = Double(identical)
        }
        print("model: \(location.modelDirectory.path), \(transformer.parameterCount) parameters; \(OpenBLASEnvironment.kernels); decode products with \(decodeProductInstructions)")
        print("prompts: \(batch), \(lengths.min()!)–\(lengths.max()!) tokens (\(lengths.reduce(0, +)) in all), "
            + (data.map { "the first records of \($0), each cut to its last \(promptTokens) tokens" } ?? "generated token ids"))
        print("sampling: temperature 1, no top-k/top-p, seed \(seed); EOS and every other stop token ignored, so each "
            + "sequence generates exactly \(newTokens) tokens (\(Int(generated)) in all); times include the prefill")
        print(String(format: "batched (generate(prompts:), %d sequences a step): %.1f tokens/s%@", batch, figures["tokens_per_s"]!,
                     rounds == 1 ? "" : " (median of \(rounds) rounds: " + batchedRates.map { String(format: "%.1f", $0) }.joined(separator: ", ") + ")"))
        if !batchedOnly {
            print(String(format: "single-sequence loop (generate(prompt:), one prompt after another): %.1f tokens/s", figures["single_tokens_per_s"]!))
            print(String(format: "speedup batched/single: %.2f× (median over %d round%@, each pair measured back to back)",
                         figures["speedup"]!, rounds, rounds == 1 ? "" : "s"))
            print("sampled tokens identical in both loops for \(identical) of \(batch) sequences (all expected: the batch "
                + "computes each sequence's logits bit for bit as the single loop does)")
        }
        print(String(format: "peak resident memory: %.0f MiB", figures["peak_rss_mb"]!))
        if json { print(Measure.jsonLine(figures)) }
    }

    /// `count` prompts of deterministic token ids, the same formula as `bench/hf_generate.py`: prompt i has
    /// `length − length/4 + (7·i mod (length/2 + 1))` tokens (3/4 to 5/4 of `length`), token t of it is
    /// `(1000 + 7919·i + 104729·t) mod vocab`.
    static func generatedPrompts(count: Int, length: Int, vocab: Int) -> [[Int32]] {
        (0..<count).map { i in
            let n = max(1, length - length / 4 + (7 * i) % (length / 2 + 1))
            return (0..<n).map { t in Int32((1000 + 7919 * i + 104_729 * t) % vocab) }
        }
    }

    /// The prompts of the first `count` records of a JSONL file, encoded without special tokens and cut to their
    /// last `keep` tokens (the end is what a completion continues), as `bench/hf_generate.py --data` does.
    static func dataPrompts(_ path: String, location: ModelLocation, count: Int, keep: Int) throws -> [[Int32]] {
        let tokenizer = try location.loadTokenizer()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).prefix(count)
        guard lines.count == count else { throw ValidationError("\(path) has fewer than \(count) records") }
        return try lines.enumerated().map { index, line in
            guard let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let prompt = record["prompt"] as? String else {
                throw ValidationError("\(path):\(index + 1): no string \"prompt\" field")
            }
            let tokens = tokenizer.encode(prompt).suffix(keep)
            guard !tokens.isEmpty else { throw ValidationError("\(path):\(index + 1): the prompt is empty") }
            return Array(tokens)
        }
    }
}
