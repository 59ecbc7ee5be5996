extension PreferencePair {
    /// The pair as a TRL-standard record (`prompt`, `chosen`, `rejected`, and `system` when present), the format
    /// every DPO trainer reads; nil for chat-message pairs, which that format cannot hold.
    public var standardJSON: JSON? {
        guard case .text(let prompt) = self.prompt, case .text(let chosen) = self.chosen,
              case .text(let rejected) = self.rejected
        else { return nil }
        var object: JSONObject = ["prompt": .string(prompt), "chosen": .string(chosen), "rejected": .string(rejected)]
        if let system { object["system"] = .string(system) }
        return .object(object)
    }
}

extension PreferenceRecord {
    /// Every text the record holds (message contents included), for training a tokenizer or measuring speed.
    public var texts: [String] {
        let segments: [Segment] = switch self {
        case .pair(let pair): [pair.prompt, pair.chosen, pair.rejected]
        case .unpaired(let example): [example.prompt, example.completion]
        }
        return segments.flatMap { segment -> [String] in
            switch segment {
            case .text(let text): [text]
            case .messages(let messages): messages.map(\.content)
            }
        }
    }
}
