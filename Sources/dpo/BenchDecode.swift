import ArgumentParser
import Determinism
import Foundation
import Kernels
import Model
import Training

/// `dpo bench decode`: the products of one decode step of a batch (`batchMatvecForward`, each weight read once
/// for every sequence) against `sgemm` on the same shapes, with the weights cycled through a pool larger than
/// the caches, as a decode step streams a model's weights from memory. Tells whether the batched sampler's
/// kernel is what limits generation, or the machine.
struct BenchDecode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Batched decode products (one weight read for all sequences) against sgemm on the same shapes, weights streamed from memory.")

    @Option(help: "Hugging Face model directory (or run directory): only its config.json is read, for the shapes.")
    var model: String
    @Option(help: "Sequences decoded together: the products' rows.") var batch = 16
    @Option(help: "Seconds each kernel runs on each shape.") var seconds = 1.0
    @Option(help: "Megabytes of weight copies cycled through, so every product reads its weight from memory.")
    var poolMegabytes = 512
    @Flag(help: "End with one JSON line: decode_gflops, sgemm_gflops, ratio (medians over the shapes), batch.")
    var json = false

    func validate() throws {
        guard batch >= 1, seconds > 0, poolMegabytes >= 1 else {
            throw ValidationError("--batch, --seconds and --pool-megabytes must be positive")
        }
    }

    func run() throws {
        Measure.warnIfDebugBuild()
        let location = try ModelLocation(model)
        let config = try TransformerConfig(huggingFaceJSON: Data(contentsOf: location.modelDirectory.appendingPathComponent("config.json")))
        let c = config.hiddenSize, q = config.heads * config.headDim, kv = config.kvHeads * config.headDim
        let inter = config.intermediateSize
        let shapes: [(name: String, inDim: Int, outDim: Int)] = [
            ("q, k, v", c, q + 2 * kv), ("o", q, c), ("gate, up", c, 2 * inter), ("down", inter, c), ("head", c, config.vocabSize),
        ]
        print("model: \(location.modelDirectory.path) (shapes only); \(batch) rows; weights cycled through \(poolMegabytes) MB; "
              + "\(OpenBLASEnvironment.kernels); decode products with \(decodeProductInstructions)")
        print("shape            in × out       decode GFLOP/s  weights GB/s  sgemm GFLOP/s  decode/sgemm")
        var decodeRates: [Double] = [], sgemmRates: [Double] = [], ratios: [Double] = []
        for shape in shapes {
            let (decode, sgemm) = rates(shape.inDim, shape.outDim)
            decodeRates.append(decode)
            sgemmRates.append(sgemm)
            ratios.append(decode / sgemm)
            let bytesPerFlop = 4.0 / Double(2 * batch)
            print(String(format: "%@  %5d × %-6d  %14.1f  %12.1f  %13.1f  %12.2f",
                         shape.name.padding(toLength: 15, withPad: " ", startingAt: 0), shape.inDim, shape.outDim,
                         decode, decode * bytesPerFlop, sgemm, decode / sgemm))
        }
        if json {
            print(Measure.jsonLine(["decode_gflops": Measure.median(decodeRates), "sgemm_gflops": Measure.median(sgemmRates),
                                    "ratio": Measure.median(ratios), "batch": Double(batch)]))
        }
    }

    /// GFLOP/s of `batch` rows through an `(outDim, inDim)` weight by each kernel, over one pool of weight copies:
    /// each call takes the next copy.
    private func rates(_ inDim: Int, _ outDim: Int) -> (decode: Double, sgemm: Double) {
        let weightCount = inDim * outDim
        let copies = max(2, poolMegabytes * 1_000_000 / (4 * weightCount))
        let pool = FloatBuffer(count: copies * weightCount)
        let input = FloatBuffer(count: batch * inDim), output = FloatBuffer(count: batch * outDim)
        var generator = SeededGenerator(seed: 5)
        for i in 0..<weightCount { pool[i] = generator.nextNormal() * 0.02 }
        for copy in 1..<copies { (pool.pointer + copy * weightCount).update(from: pool.pointer, count: weightCount) }
        for i in 0..<batch * inDim { input[i] = generator.nextNormal() }
        let flops = 2 * Double(batch) * Double(weightCount)
        let weight = { (call: Int) in UnsafePointer(pool.pointer + (call % copies) * weightCount) }
        let decode = Measure.gflops(flopsPerCall: flops, minimumSeconds: seconds) {
            batchMatvecForward(output.pointer, input.pointer, weight($0), rows: batch, inDim: inDim, outDim: outDim)
        }
        let sgemm = Measure.gflops(flopsPerCall: flops, minimumSeconds: seconds) {
            matmulForward(output.pointer, input.pointer, weight($0), rows: batch, inDim: inDim, outDim: outDim)
        }
        return (decode, sgemm)
    }
}
