import Tokenizer

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

extension PreferencePair {
    /// The pair as TRL reads it: `standardJSON` for text, else the conversational format (each side a list of
    /// `{"role", "content"}`; a text side becomes one user or assistant message, the system message leads the prompt).
    public var trlJSON: JSON {
        if let standard = standardJSON { return standard }
        func messages(_ segment: Segment, role: String) -> JSON {
            let list: [ChatMessage] = switch segment {
            case .text(let text): [ChatMessage(role: role, content: text)]
            case .messages(let messages): messages
            }
            return .array(list.map { .object(["role": .string($0.role), "content": .string($0.content)]) })
        }
        var prompt = messages(self.prompt, role: "user")
        if let system, case .array(let list) = prompt {
            prompt = .array([.object(["role": .string("system"), "content": .string(system)])] + list)
        }
        return .object(["prompt": prompt, "chosen": messages(chosen, role: "assistant"), "rejected": messages(rejected, role: "assistant")])
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
