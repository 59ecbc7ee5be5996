/// One step of a tokenizer.json `pre_tokenizer`, in the forms byte-level BPE tokenizers use.
public enum PreTokenizerStep: Sendable, Hashable {
    /// `Split` with a known regex and `behavior: Isolated` (matches and gaps both become pieces).
    case split(SplitPattern)
    /// `Digits`: numeric characters (`\p{N}`, as Rust's `char::is_numeric`) are cut out of the text, each on its own
    /// (`individualDigits`, SmolLM2) or in runs.
    case digits(individualDigits: Bool)
    /// `ByteLevel`: optionally prefixes a space to each piece that lacks one, optionally splits with the GPT-2
    /// pattern, then spells bytes as GPT-2 characters (the BPE model does that part here). Always the last step.
    /// `trimOffsets` only affects offsets, which this package does not compute; it is kept for saving.
    case byteLevel(addPrefixSpace: Bool, trimOffsets: Bool, useRegex: Bool)
}

/// A pre-tokenizer: the steps applied one after the other, each to every piece the previous one produced, as
/// `tokenizers`' `Sequence` does. Empty pieces are dropped, as `tokenizers` drops them.
struct PreTokenizer: Sendable, Equatable {
    let steps: [PreTokenizerStep]

    /// Calls `body` with each piece of bytes `lo..<hi` of `text`, in order.
    func forEachPiece(_ text: TextView, _ lo: Int, _ hi: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        guard lo < hi else { return }
        run(0, text, lo, hi, body)
    }

    private func run(
        _ step: Int, _ text: TextView, _ lo: Int, _ hi: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Void
    ) {
        guard step < steps.count else {
            body(UnsafeBufferPointer(rebasing: text.bytes[lo..<hi]))
            return
        }
        switch steps[step] {
        case .split(let pattern):
            pattern.split(text, lo, hi) { run(step + 1, text, $0, $1, body) }
        case .digits(let individual):
            Self.splitDigits(text, lo, hi, individual: individual) { run(step + 1, text, $0, $1, body) }
        case .byteLevel(let addPrefixSpace, _, let useRegex):
            if addPrefixSpace && text.bytes[lo] != UInt8(ascii: " ") {
                var spaced = [UInt8(ascii: " ")]
                spaced.append(contentsOf: text.bytes[lo..<hi])
                spaced.withUnsafeBufferPointer { bytes in
                    let prefixed = TextView(bytes: bytes, classes: text.classes)
                    byteLevelSplit(step, prefixed, 0, bytes.count, useRegex, body)
                }
            } else {
                byteLevelSplit(step, text, lo, hi, useRegex, body)
            }
        }
    }

    private func byteLevelSplit(
        _ step: Int, _ text: TextView, _ lo: Int, _ hi: Int, _ useRegex: Bool,
        _ body: (UnsafeBufferPointer<UInt8>) -> Void
    ) {
        if useRegex {
            SplitPattern.gpt2.split(text, lo, hi) { run(step + 1, text, $0, $1, body) }
        } else {
            run(step + 1, text, lo, hi, body)
        }
    }

    /// `Digits`: numeric scalars alone (`individual`) or in runs, and the text between them as pieces.
    private static func splitDigits(
        _ text: TextView, _ lo: Int, _ hi: Int, individual: Bool, _ emit: (Int, Int) -> Void
    ) {
        var start = lo
        var i = lo
        var inNumber = false
        while i < hi {
            let (kind, n) = text.classAt(i)
            let isNumber = kind == .number
            if i > start && (isNumber != inNumber || (isNumber && individual)) {
                emit(start, i)
                start = i
            }
            inNumber = isNumber
            i += n
        }
        if start < hi { emit(start, hi) }
    }
}
