import Determinism
import Foundation
import Kernels

/// The linear layers LoRA can adapt, by their Hugging Face module names.
public enum LoRATarget: String, Sendable, CaseIterable, Codable {
    case q = "q_proj", k = "k_proj", v = "v_proj", o = "o_proj", gate = "gate_proj", up = "up_proj", down = "down_proj"

    /// Which fused product of a layer the module is part of.
    var site: LoRASite {
        switch self {
        case .q, .k, .v: .qkv
        case .o: .output
        case .gate, .up: .gateUp
        case .down: .down
        }
    }
}

/// The four products of a decoder layer, as the forward pass runs them.
enum LoRASite: Sendable {
    case qkv, output, gateUp, down
}

/// Low-rank adapters (Hu et al. 2021) on a model's linear layers: y = x·Wᵀ + (α/r)·(x·Aᵀ)·Bᵀ with A `(r, in)` and
/// B `(out, r)`. B starts at zero, so a freshly attached policy equals its base model: the base with adapters off
/// is the reference. Adapter parameters, gradients and optimizer state are one flat block of their own, in
/// PEFT's tensor order, and the base model's weights stay frozen.
public final class LoRAAdapters {
    /// One adapted module of one layer: where A and B live in the block, and where its output sits inside the
    /// layer's fused product (q, k and v share one output row; so do gate and up).
    public struct Entry: Sendable {
        public let layer: Int
        public let target: LoRATarget
        public let a: Int
        public let b: Int
        public let inDim: Int
        public let outDim: Int
        let column: Int
        let site: LoRASite
    }

    public let config: TransformerConfig
    public let rank: Int
    public let alpha: Double
    public let targets: [LoRATarget]
    public let entries: [Entry]
    public let parameters: FloatBuffer
    public let gradients: FloatBuffer
    public let count: Int
    /// `(entries, rows, rank)` in size: x·Aᵀ of the last forward pass, for backward. The entries of one site (q, k
    /// and v; gate and up) are consecutive, and their part holds one `(rows, rank · entries)` matrix, the stacked
    /// product `forward` computes.
    private let hidden = FloatBuffer(count: 0)
    /// `(rows, rank · entries of a site)` scratch for backward.
    private let dHidden = FloatBuffer(count: 0)
    /// `(rank · entries of a site, inDim)`: the A matrices of one site stacked, and their gradients (scratch).
    private let stackedA: FloatBuffer
    private let stackedGradientA: FloatBuffer
    /// The entries of each adapted site of each layer, as ranges of `entries`: a site's entries are consecutive
    /// (layer by layer, targets in `LoRATarget` order) and share one input.
    private let sites: [Range<Int>]
    private var rows = 0

    public var scale: Float { Float(alpha / Double(rank)) }

    public init(config: TransformerConfig, rank: Int, alpha: Double, targets: [LoRATarget], seed: UInt64) {
        self.config = config
        self.rank = rank
        self.alpha = alpha
        let ordered = LoRATarget.allCases.filter(targets.contains)
        self.targets = ordered
        let c = config.hiddenSize, q = config.heads * config.headDim, kv = config.kvHeads * config.headDim
        let inter = config.intermediateSize
        var entries: [Entry] = []
        var cursor = 0
        for layer in 0..<config.layers {
            for target in ordered {
                let (inDim, outDim, column): (Int, Int, Int) = switch target {
                case .q: (c, q, 0)
                case .k: (c, kv, q)
                case .v: (c, kv, q + kv)
                case .o: (q, c, 0)
                case .gate: (c, inter, 0)
                case .up: (c, inter, inter)
                case .down: (inter, c, 0)
                }
                entries.append(Entry(layer: layer, target: target, a: cursor, b: cursor + rank * inDim, inDim: inDim,
                                     outDim: outDim, column: column, site: target.site))
                cursor += rank * (inDim + outDim)
            }
        }
        self.entries = entries
        sites = entries.indices.reduce(into: [Range<Int>]()) { sites, index in
            if let last = sites.last, entries[last.lowerBound].layer == entries[index].layer,
               entries[last.lowerBound].site == entries[index].site {
                sites[sites.count - 1] = last.lowerBound..<index + 1
            } else {
                sites.append(index..<index + 1)
            }
        }
        let largest = sites.map { rank * $0.count * entries[$0.lowerBound].inDim }.max() ?? 0
        stackedA = FloatBuffer(count: largest)
        stackedGradientA = FloatBuffer(count: largest)
        count = cursor
        parameters = FloatBuffer(count: cursor)
        gradients = FloatBuffer(count: cursor)
        // PEFT's default: A ~ kaiming_uniform(a=√5), i.e. U(−1/√in, 1/√in); B = 0.
        var generator = SeededGenerator(seed: seed)
        for entry in entries {
            let bound = 1 / Float(entry.inDim).squareRoot()
            for i in 0..<rank * entry.inDim { parameters[entry.a + i] = bound * (2 * generator.nextUniform() - 1) }
        }
    }

    /// PEFT's name of each tensor, with its offset and shape.
    public var tensors: [(name: String, offset: Int, shape: [Int])] {
        entries.flatMap { entry -> [(name: String, offset: Int, shape: [Int])] in
            let module = [.gate, .up, .down].contains(entry.target) ? "mlp" : "self_attn"
            let prefix = "base_model.model.model.layers.\(entry.layer).\(module).\(entry.target.rawValue)"
            return [(prefix + ".lora_A.weight", entry.a, [rank, entry.inDim]), (prefix + ".lora_B.weight", entry.b, [entry.outDim, rank])]
        }
    }

    func reserve(rows: Int) {
        self.rows = rows
        hidden.reserve(entries.count * rows * rank)
        dHidden.reserve(rows * rank * (sites.map(\.count).max() ?? 0))
    }

    /// The entries of `site` in `layer` (empty when none of its modules is adapted).
    private func siteEntries(layer: Int, site: LoRASite) -> Range<Int> {
        sites.first { entries[$0.lowerBound].layer == layer && entries[$0.lowerBound].site == site } ?? 0..<0
    }

    /// Copies the A matrices of `site` out of `matrices` (the parameters or the gradients) into one
    /// `(rank · count, inDim)` block, or, with `back`, from the block into `matrices`.
    private func stack(_ site: Range<Int>, _ matrices: FloatBuffer, into stacked: FloatBuffer, back: Bool = false) {
        for (k, index) in site.enumerated() {
            let entry = entries[index], size = rank * entry.inDim
            if back {
                (matrices.pointer + entry.a).update(from: stacked.pointer + k * size, count: size)
            } else {
                (stacked.pointer + k * size).update(from: matrices.pointer + entry.a, count: size)
            }
        }
    }

    /// Adds the adapters of `site` in `layer` to the product's output: `out[:, column…] += s·(inp·Aᵀ)·Bᵀ`. The
    /// site's A products are one product with their A matrices stacked, so the shared input is read once (q, k
    /// and v read it once instead of three times, gate and up once instead of twice).
    /// - Parameters:
    ///   - out: `(rows, outStride)`, the fused product's output.
    ///   - inp: `(rows, inDim)`, the product's input.
    func forward(layer: Int, site: LoRASite, out: UnsafeMutablePointer<Float>, outStride: Int, inp: UnsafePointer<Float>) {
        let site = siteEntries(layer: layer, site: site)
        guard let first = site.first else { return }
        let width = rank * site.count, inDim = entries[first].inDim
        let h = hidden.pointer + first * rows * rank
        stack(site, parameters, into: stackedA)
        matmulForward(h, inp, stackedA.pointer, rows: rows, inDim: inDim, outDim: width)
        for (k, index) in site.enumerated() {
            let entry = entries[index]
            gemm(transA: false, transB: true, m: rows, n: entry.outDim, k: rank, alpha: scale, h + k * rank, lda: width,
                 parameters.pointer + entry.b, ldb: rank, beta: 1, out + entry.column, ldc: outStride)
        }
    }

    /// Backward of `forward`: accumulates dB += s·dOutᵀ·H, dA += dHᵀ·inp and dInp += dH·A with dH = s·dOut·B, the
    /// last two as one product over the site's stacked A matrices (dInp is read and written once for the site).
    /// - Parameters:
    ///   - dinp: `(rows, inDim)`, accumulated.
    ///   - dout: `(rows, outStride)`, the gradient of the fused product's output.
    ///   - inp: `(rows, inDim)`, the forward input.
    func backward(layer: Int, site: LoRASite, dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, outStride: Int,
                  inp: UnsafePointer<Float>) {
        let site = siteEntries(layer: layer, site: site)
        guard let first = site.first else { return }
        let width = rank * site.count, inDim = entries[first].inDim
        let h = hidden.pointer + first * rows * rank
        for (k, index) in site.enumerated() {
            let entry = entries[index]
            let dout = dout + entry.column
            gemm(transA: true, transB: false, m: entry.outDim, n: rank, k: rows, alpha: scale, dout, lda: outStride,
                 h + k * rank, ldb: width, beta: 1, gradients.pointer + entry.b, ldc: rank)
            gemm(transA: false, transB: false, m: rows, n: rank, k: entry.outDim, alpha: scale, dout, lda: outStride,
                 parameters.pointer + entry.b, ldb: rank, beta: 0, dHidden.pointer + k * rank, ldc: width)
        }
        stack(site, parameters, into: stackedA)
        stack(site, gradients, into: stackedGradientA)
        matmulBackward(dinp, stackedGradientA.pointer, dHidden.pointer, inp, stackedA.pointer, rows: rows, inDim: inDim,
                       outDim: width)
        stack(site, gradients, into: stackedGradientA, back: true)
    }
}
