import Tokenizer

/// The file and line a record came from, so that every message about it points where a user must look.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The path as the user gave it, or `builtin:<task>` for generated data.
    public let file: String
    /// 1-based; for generated data, the record's index plus one.
    public let line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }
}

extension Collection<SourceLocation> {
    /// The first `limit` places and how many more, for a message that names records without flooding the terminal.
    public func listed(upTo limit: Int = 5) -> String {
        prefix(limit).map(\.description).joined(separator: ", ") + (count > limit ? " and \(count - limit) more" : "")
    }
}

/// One side of a record: plain text, or chat messages that a chat template turns into text.
public enum Segment: Sendable, Hashable {
    case text(String)
    case messages([ChatMessage])

    /// Whether nothing would be left for the model to learn from.
    public var isBlank: Bool {
        switch self {
        case .text(let text): text.isEmpty
        case .messages(let messages): messages.allSatisfy { $0.content.isEmpty }
        }
    }
}

/// A prompt with a preferred and a dispreferred completion: the unit DPO learns from.
public struct PreferencePair: Sendable, Hashable {
    public var prompt: Segment
    public var chosen: Segment
    public var rejected: Segment
    /// The standard format's optional `system` field; conversational records carry theirs as a message.
    public var system: String?
    public var source: SourceLocation

    public init(prompt: Segment, chosen: Segment, rejected: Segment, system: String? = nil, source: SourceLocation) {
        self.prompt = prompt
        self.chosen = chosen
        self.rejected = rejected
        self.system = system
        self.source = source
    }

    /// The pair as two unpaired examples, so KTO can train on paired data as TRL's KTO trainer does.
    public var unpaired: [UnpairedExample] {
        [
            UnpairedExample(prompt: prompt, completion: chosen, isDesirable: true, system: system, source: source),
            UnpairedExample(prompt: prompt, completion: rejected, isDesirable: false, system: system, source: source),
        ]
    }
}

/// A prompt with one completion labelled desirable or not: KTO's unpaired data.
public struct UnpairedExample: Sendable, Hashable {
    public var prompt: Segment
    public var completion: Segment
    /// The file's `label` field.
    public var isDesirable: Bool
    public var system: String?
    public var source: SourceLocation

    public init(
        prompt: Segment, completion: Segment, isDesirable: Bool, system: String? = nil, source: SourceLocation
    ) {
        self.prompt = prompt
        self.completion = completion
        self.isDesirable = isDesirable
        self.system = system
        self.source = source
    }
}

/// What one line of a preference file holds.
public enum PreferenceRecord: Sendable, Hashable {
    case pair(PreferencePair)
    case unpaired(UnpairedExample)

    public var source: SourceLocation {
        switch self {
        case .pair(let pair): pair.source
        case .unpaired(let example): example.source
        }
    }
}
