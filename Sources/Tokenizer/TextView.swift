/// Valid UTF-8 text (a Swift string's own storage) read scalar by scalar, with the class lookups the split patterns
/// need. Offsets are byte offsets; the splitters only ever stop on scalar boundaries, so pieces are valid UTF-8 too.
///
/// Working on bytes and a class table instead of `Character`s is what makes encoding fast: grapheme breaking is
/// both slow and wrong here (the patterns see combining marks as separate characters).
struct TextView {
    let bytes: UnsafeBufferPointer<UInt8>
    /// `ScalarClass.table`, borrowed for the duration of one encode call.
    let classes: UnsafeBufferPointer<ScalarClass>

    /// The scalar starting at byte `i` and its length in bytes.
    @inline(__always)
    func scalar(at i: Int) -> (value: UInt32, length: Int) {
        let b0 = UInt32(bytes[i])
        if b0 < 0x80 { return (b0, 1) }
        if b0 < 0xE0 { return ((b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F), 2) }
        if b0 < 0xF0 {
            return ((b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F), 3)
        }
        let value = (b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6
            | UInt32(bytes[i + 3] & 0x3F)
        return (value, 4)
    }

    /// The class of the scalar starting at byte `i` and its length in bytes.
    @inline(__always)
    func classAt(_ i: Int) -> (ScalarClass, Int) {
        let b0 = bytes[i]
        if b0 < 0x80 { return (classes[Int(b0)], 1) }
        let (value, length) = scalar(at: i)
        return (value < UInt32(classes.count) ? classes[Int(value)] : ScalarClass.of(value), length)
    }

    /// The end of the run of `kind` scalars starting at byte `i`.
    @inline(__always)
    func skip(_ kind: ScalarClass, from i: Int, to end: Int) -> Int {
        var i = i
        while i < end {
            let (k, n) = classAt(i)
            if k != kind { break }
            i += n
        }
        return i
    }

    /// The start of the scalar that ends just before byte `i`.
    func scalarStart(before i: Int) -> Int {
        var j = i - 1
        while j > 0 && bytes[j] & 0xC0 == 0x80 { j -= 1 }
        return j
    }
}
