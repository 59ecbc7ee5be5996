/// One `tensorflow.Event` of a TensorBoard event file, as far as scalar dashboards read it: the file's version
/// line, a run restarting (TensorBoard then drops the events of this step and later from earlier files), or scalar
/// summaries. Encoded as protobuf by hand (field numbers from TensorFlow's `event.proto` and `summary.proto`), with
/// default values left out as protobuf writes them, so our files are byte for byte what TensorBoard's writer makes.
public struct TensorBoardEvent: Sendable, Equatable {
    public struct Scalar: Sendable, Equatable {
        public var tag: String
        public var value: Float

        public init(_ tag: String, _ value: Float) {
            self.tag = tag
            self.value = value
        }
    }

    public enum Content: Sendable, Equatable {
        case fileVersion(String)
        /// `SessionLog.START`: a run resumed at this step.
        case sessionStart
        case scalars([Scalar])
        /// Anything else (images, histograms, graphs…), kept as unread.
        case other
    }

    public var wallTime: Double
    public var step: Int64
    public var content: Content

    public init(wallTime: Double, step: Int64, content: Content) {
        self.wallTime = wallTime
        self.step = step
        self.content = content
    }

    /// The first event of every file.
    public static func version(wallTime: Double) -> TensorBoardEvent {
        TensorBoardEvent(wallTime: wallTime, step: 0, content: .fileVersion("brain.Event:2"))
    }

    public func encoded() -> [UInt8] {
        var out = Protobuf.Writer()
        out.double(1, wallTime)
        out.varint(2, UInt64(bitPattern: step))
        switch content {
        case .fileVersion(let version): out.bytes(3, Array(version.utf8))
        case .sessionStart:
            var log = Protobuf.Writer()
            log.varint(1, 1)
            out.bytes(6, log.bytes)
        case .scalars(let scalars):
            var summary = Protobuf.Writer()
            for scalar in scalars {
                var value = Protobuf.Writer()
                value.bytes(1, Array(scalar.tag.utf8))
                value.oneofFloat(2, scalar.value)
                summary.bytes(1, value.bytes)
            }
            out.bytes(5, summary.bytes)
        case .other: break
        }
        return out.bytes
    }

    /// Reads an event; scalars may be `simple_value` (what PyTorch's and TensorFlow 1's writers use) or a one-element
    /// float or double tensor (TensorBoard's summary v2).
    /// - Throws: `Protobuf.Malformed` when the bytes are not a protobuf message.
    public init(decoding bytes: [UInt8]) throws {
        wallTime = 0
        step = 0
        content = .other
        var scalars: [Scalar] = []
        var isSummary = false
        for field in try Protobuf.fields(bytes) {
            switch (field.number, field.value) {
            case (1, .fixed64(let bits)): wallTime = Double(bitPattern: bits)
            case (2, .varint(let value)): step = Int64(bitPattern: value)
            case (3, .bytes(let version)): content = .fileVersion(String(decoding: version, as: UTF8.self))
            case (5, .bytes(let summary)):
                isSummary = true
                for value in try Protobuf.fields(summary) where value.number == 1 {
                    if case .bytes(let entry) = value.value, let scalar = try Self.scalar(entry) { scalars.append(scalar) }
                }
            case (6, .bytes(let log)):
                if try Protobuf.fields(log).contains(where: { $0.number == 1 && $0.value == .varint(1) }) { content = .sessionStart }
            default: break
            }
        }
        if isSummary { content = .scalars(scalars) }
    }

    /// A `Summary.Value` holding one number, or nil (an image, a histogram…).
    private static func scalar(_ bytes: [UInt8]) throws -> Scalar? {
        var tag: String?
        var value: Float?
        for field in try Protobuf.fields(bytes) {
            switch (field.number, field.value) {
            case (1, .bytes(let text)): tag = String(decoding: text, as: UTF8.self)
            case (2, .fixed32(let bits)): value = Float(bitPattern: bits)
            case (8, .bytes(let tensor)): value = try tensorValue(tensor) ?? value
            default: break
            }
        }
        guard let tag, let value else { return nil }
        return Scalar(tag, value)
    }

    /// The single number of a `TensorProto`: `float_val` (5), `double_val` (6), or 4 bytes of `tensor_content` (4).
    private static func tensorValue(_ bytes: [UInt8]) throws -> Float? {
        for field in try Protobuf.fields(bytes) {
            switch (field.number, field.value) {
            case (5, .fixed32(let bits)): return Float(bitPattern: bits)
            case (5, .bytes(let packed)) where packed.count >= 4: return Float(bitPattern: Protobuf.uint32(packed, at: 0))
            case (6, .fixed64(let bits)): return Float(Double(bitPattern: bits))
            case (6, .bytes(let packed)) where packed.count >= 8: return Float(Double(bitPattern: Protobuf.uint64(packed, at: 0)))
            case (4, .bytes(let content)) where content.count == 4: return Float(bitPattern: Protobuf.uint32(content, at: 0))
            default: continue
            }
        }
        return nil
    }
}
