/// Which end of an over-long prompt survives. Raw values are TRL's `truncation_mode` names.
public enum TruncationMode: String, Sendable, Hashable, CaseIterable {
    /// Keep the first tokens.
    case keepStart = "keep_start"
    /// Keep the last tokens: the end of a conversation is what the completion answers.
    case keepEnd = "keep_end"
}

/// Length limits in tokens, with TRL's names and defaults (`max_length` 1024, `max_prompt_length` 512,
/// `truncation_mode` keep_end). Nil means no limit.
public struct TruncationSettings: Sendable, Hashable {
    public var maxLength: Int?
    public var maxPromptLength: Int?
    public var mode: TruncationMode

    public init(maxLength: Int? = 1024, maxPromptLength: Int? = 512, mode: TruncationMode = .keepEnd) {
        self.maxLength = maxLength
        self.maxPromptLength = maxPromptLength
        self.mode = mode
    }

    public static let none = TruncationSettings(maxLength: nil, maxPromptLength: nil)

    /// Fits a prompt and its completions to the limits.
    ///
    /// The prompt is cut to `maxPromptLength` from the end `mode` gives up; then each completion keeps its first
    /// tokens so that prompt + completion fits `maxLength` (a completion's start is what follows the prompt, so it
    /// is never cut there). A prompt that leaves no room for a single completion token is dropped, not cut further:
    /// silently removing more of it would train on a question the data never asked.
    public func apply(prompt: [Int32], completions: [[Int32]]) -> Result<Truncated, TruncationDrop> {
        var prompt = prompt
        var wasTruncated = false
        if let maxPromptLength, prompt.count > maxPromptLength {
            prompt = mode == .keepStart ? Array(prompt.prefix(maxPromptLength)) : Array(prompt.suffix(maxPromptLength))
            wasTruncated = true
        }
        guard let maxLength else { return .success(Truncated(prompt, completions, wasTruncated)) }
        let room = maxLength - prompt.count
        guard room > 0 else { return .failure(TruncationDrop(promptLength: prompt.count, maxLength: maxLength)) }
        let fitted = completions.map { $0.count > room ? Array($0.prefix(room)) : $0 }
        wasTruncated = wasTruncated || fitted.map(\.count) != completions.map(\.count)
        return .success(Truncated(prompt, fitted, wasTruncated))
    }
}

/// A prompt and completions after `TruncationSettings.apply`.
public struct Truncated: Sendable, Hashable {
    public let prompt: [Int32]
    public let completions: [[Int32]]
    /// Whether any token was removed, for the per-dataset count.
    public let wasTruncated: Bool

    init(_ prompt: [Int32], _ completions: [[Int32]], _ wasTruncated: Bool) {
        self.prompt = prompt
        self.completions = completions
        self.wasTruncated = wasTruncated
    }
}

/// Why a record cannot be fitted: its prompt alone fills `max_length`.
public struct TruncationDrop: Error, Sendable, Hashable, CustomStringConvertible {
    /// After `max_prompt_length` was applied.
    public let promptLength: Int
    public let maxLength: Int

    public var description: String {
        "the prompt has \(promptLength) tokens and max_length is \(maxLength), so no completion token would remain"
    }
}
