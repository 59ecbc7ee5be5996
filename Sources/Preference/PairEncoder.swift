import Tokenizer

/// Tokenizes records into prompt and completion ids with an exact boundary, before any truncation.
///
/// Plain text: the prompt (after the `system` text and a blank line, when a standard record has one) and each
/// completion are encoded on their own and EOS is appended to the completions. Messages: the prompt is the chat
/// template's rendering with the generation prompt, and a completion is whatever the template adds when the
/// completion's messages follow (its content and end-of-turn tokens), found as TRL finds it: by rendering the
/// whole conversation and removing the rendered prompt from its front. A template without an end-of-turn token
/// (Human/Assistant) gets EOS appended instead, or the model would never learn where a reply ends.
public struct PairEncoder<Encoder: TokenEncoder> {
    public let encoder: Encoder
    public let chatTemplate: ChatTemplate

    public init(encoder: Encoder, chatTemplate: ChatTemplate) {
        self.encoder = encoder
        self.chatTemplate = chatTemplate
    }

    public func encode(_ pair: PreferencePair) throws(DataProblem) -> TokenizedPair {
        let ids = try encode(prompt: pair.prompt, system: pair.system,
                             completions: [(pair.chosen, "chosen"), (pair.rejected, "rejected")], source: pair.source)
        return TokenizedPair(prompt: ids.prompt, chosen: ids.completions[0], rejected: ids.completions[1], source: pair.source)
    }

    public func encode(_ example: UnpairedExample) throws(DataProblem) -> TokenizedExample {
        let ids = try encode(prompt: example.prompt, system: example.system,
                             completions: [(example.completion, "completion")], source: example.source)
        return TokenizedExample(prompt: ids.prompt, completion: ids.completions[0], isDesirable: example.isDesirable,
                                source: example.source)
    }

    /// A prompt and the completions that follow it, each named by its record field for messages.
    private func encode(
        prompt: Segment, system: String?, completions: [(segment: Segment, field: String)], source: SourceLocation
    ) throws(DataProblem) -> (prompt: [Int32], completions: [[Int32]]) {
        do {
            let prompt = withSystem(prompt, system)
            let rendered = promptText(prompt)
            var ids: [[Int32]] = []
            for completion in completions {
                ids.append(try self.completion(completion.segment, after: prompt, renderedPrompt: rendered, field: completion.field))
            }
            return (encoder.encode(rendered), ids)
        } catch {
            throw error.located(at: source)
        }
    }

    private func withSystem(_ prompt: Segment, _ system: String?) -> Segment {
        guard let system else { return prompt }
        switch prompt {
        case .text(let text): return .text("\(system)\n\n\(text)")
        case .messages(let messages): return .messages([ChatMessage(role: "system", content: system)] + messages)
        }
    }

    private func promptText(_ prompt: Segment) -> String {
        switch prompt {
        case .text(let text): text
        case .messages(let messages): chatTemplate.render(messages, addGenerationPrompt: true)
        }
    }

    private func completion(
        _ completion: Segment, after prompt: Segment, renderedPrompt: String, field: String
    ) throws(FieldProblem) -> [Int32] {
        switch (prompt, completion) {
        case (.text, .text(let text)):
            return encoder.encode(text) + (encoder.eosTokenId.map { [$0] } ?? [])
        case (.messages(let promptMessages), .messages(let messages)):
            let whole = chatTemplate.render(promptMessages + messages, addGenerationPrompt: false)
            guard whole.utf8.starts(with: renderedPrompt.utf8) else {
                throw FieldProblem(
                    kind: .templateMismatch, field: field,
                    detail: "the chat template renders the prompt differently once this completion follows it, "
                        + "so the boundary between them is undefined")
            }
            let ids = encoder.encode(String(Substring(whole.utf8.dropFirst(renderedPrompt.utf8.count))))
            return chatTemplate.endsTurnsWithAToken ? ids : ids + (encoder.eosTokenId.map { [$0] } ?? [])
        case (.text, .messages), (.messages, .text):
            throw FieldProblem(
                kind: .wrongType, field: field, detail: "plain text and chat messages mixed in one record")
        }
    }
}

extension ChatTemplate {
    /// Whether a rendered assistant turn already ends with a token that tells the model to stop.
    var endsTurnsWithAToken: Bool {
        switch self {
        case .chatML: true
        case .humanAssistant: false
        }
    }
}
