import ArgumentParser
import Determinism
import Foundation
import Kernels
import Model

/// `dpo bench engine`: one training step (forward and backward) of a small Llama on 16 × 256 tokens, against
/// bare `sgemm` at the shape of its largest layer, alternated in the same process.
struct BenchEngine: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Forward+backward throughput of the transformer, as a ratio to bare sgemm measured alongside.")

    @Flag(help: "End with one JSON line: tokens_per_s, gflops, sgemm_gflops, ratio.") var json = false
    @Option(help: "Measured rounds, each one sgemm measurement and one training step.") var rounds = 5

    func run() throws {
        Measure.warnIfDebugBuild("`swift build -c release` (make bench-engine)")
        let config = TransformerConfig(vocabSize: 4096, hiddenSize: 256, intermediateSize: 704, layers: 4, heads: 4,
                                       maxPositions: 256)
        let model = try Transformer(config: config)
        model.initializeRandom(seed: 1)
        var generator = SeededGenerator(seed: 2)
        var batch = PackedBatch()
        for _ in 0..<16 {
            let tokens = (0..<256).map { _ in Int32(generator.next() % 4096) }
            batch.appendSequence(tokens, targetMask: Array(repeating: true, count: 256))
        }
        let tokens = 16 * 256
        let stepFlops = 3 * config.forwardFlops(batch)
        let dlogp = [Float](repeating: -1 / Float(batch.targetCount), count: batch.targetCount)
        func step() throws {
            model.zeroGradients()
            _ = try model.forward(batch)
            model.backward(dlogp)
        }
        try step()
        var stepSeconds: [Double] = []
        var sgemmRates: [Double] = []
        for _ in 0..<rounds {
            sgemmRates.append(Measure.sgemmGflops(m: batch.rows, k: config.hiddenSize, n: 2 * config.intermediateSize))
            stepSeconds.append(try Measure.seconds(step))
        }
        let seconds = Measure.median(stepSeconds)
        let gflops = stepFlops / seconds / 1e9
        let sgemm = Measure.median(sgemmRates)
        print("model: hidden 256, 4 layers, 4 heads, intermediate 704, vocab 4096; batch 16 × 256 tokens, "
            + "\(model.parameterCount) parameters, \(OpenBLASEnvironment.kernels)")
        print(String(format: "step (forward+backward): %.3f s median of %d, %.0f tokens/s", seconds, rounds, Double(tokens) / seconds))
        print(String(format: "model FLOPs per step: %.1f GFLOP; achieved %.1f GFLOP/s", stepFlops / 1e9, gflops))
        print(String(format: "sgemm %d×%d·%d×%d in the same process: %.1f GFLOP/s; ratio model/sgemm %.2f",
                     batch.rows, config.hiddenSize, config.hiddenSize, 2 * config.intermediateSize, sgemm, gflops / sgemm))
        print(String(format: "SIMD fused multiply-add (dot product, one core): %.1f GFLOP/s", Measure.simdFmaGflops()))
        print(String(format: "peak resident memory: %.0f MiB", Measure.peakResidentMegabytes()))
        if json {
            print(Measure.jsonLine(["tokens_per_s": Double(tokens) / seconds, "gflops": gflops,
                                    "sgemm_gflops": sgemm, "ratio": gflops / sgemm]))
        }
    }
}
