/// One turn of a conversation: `role` is "system", "user", "assistant" (or another role a template passes through).
public struct ChatMessage: Sendable, Hashable, Codable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// How a conversation becomes the text a model is trained on: the two formats this project's data and models use,
/// rendered in Swift instead of running the model's Jinja template.
///
/// `render` gives exactly what transformers' `apply_chat_template` gives for the Jinja text in `jinja` (the golden
/// tests check this against transformers); `detect(from:)` maps a model's own Jinja template to one of the cases.
public enum ChatTemplate: Sendable, Hashable {
    /// `<|im_start|>{role}\n{content}<|im_end|>\n` per message, `<|im_start|>assistant\n` as the generation prompt.
    /// With `defaultSystem`, a conversation that does not open with a system message gets one (SmolLM2 and Qwen
    /// templates do this).
    case chatML(defaultSystem: String?)
    /// Anthropic HH style: `\n\nHuman: {content}` and `\n\nAssistant: {content}`, generation prompt `\n\nAssistant:`.
    /// A system message's content is written as is, unlabelled (as the legacy Anthropic prompt format placed it);
    /// any other role is written `\n\n{role}: {content}`.
    case humanAssistant

    /// SmolLM2-Instruct's default system message.
    public static let smolLM2DefaultSystem = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"

    /// The conversation as one string; `addGenerationPrompt` ends it where the assistant's reply begins.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        var out = ""
        switch self {
        case .chatML(let defaultSystem):
            if let defaultSystem, let first = messages.first, first.role != "system" {
                out += "<|im_start|>system\n\(defaultSystem)<|im_end|>\n"
            }
            for message in messages { out += "<|im_start|>\(message.role)\n\(message.content)<|im_end|>\n" }
            if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        case .humanAssistant:
            for message in messages {
                switch message.role {
                case "user": out += "\n\nHuman: \(message.content)"
                case "assistant": out += "\n\nAssistant: \(message.content)"
                case "system": out += message.content
                default: out += "\n\n\(message.role): \(message.content)"
                }
            }
            if addGenerationPrompt { out += "\n\nAssistant:" }
        }
        return out
    }

    /// A Jinja chat template (for tokenizer_config.json) that transformers renders exactly as `render` does. For
    /// `.chatML(defaultSystem: ChatTemplate.smolLM2DefaultSystem)` it is SmolLM2-Instruct's own template.
    public var jinja: String {
        let turns = "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
        let prompt = "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
        switch self {
        case .chatML(nil):
            return "{% for message in messages %}\(turns){% endfor %}\(prompt)"
        case .chatML(let system?):
            let escaped = system.replacing("\\", with: "\\\\").replacing("'", with: "\\'")
            return "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
                + "{{ '<|im_start|>system\n\(escaped)<|im_end|>\n' }}{% endif %}\(turns){% endfor %}\(prompt)"
        case .humanAssistant:
            return "{% for message in messages %}"
                + "{% if message['role'] == 'user' %}{{ '\n\nHuman: ' + message['content'] }}"
                + "{% elif message['role'] == 'assistant' %}{{ '\n\nAssistant: ' + message['content'] }}"
                + "{% elif message['role'] == 'system' %}{{ message['content'] }}"
                + "{% else %}{{ '\n\n' + message['role'] + ': ' + message['content'] }}{% endif %}{% endfor %}"
                + "{% if add_generation_prompt %}{{ '\n\nAssistant:' }}{% endif %}"
        }
    }

    /// The case a model's Jinja chat template corresponds to: ChatML when it writes `<|im_start|>` (with the default
    /// system message it writes itself, if any, such as SmolLM2's), Human/Assistant when it writes both labels.
    /// - Throws: `TokenizerError.unknownChatTemplate` with the template's first 60 characters otherwise.
    public static func detect(from chatTemplateJinja: String) throws -> ChatTemplate {
        if chatTemplateJinja.contains("<|im_start|>") {
            return .chatML(defaultSystem: defaultSystemMessage(in: chatTemplateJinja))
        }
        if chatTemplateJinja.contains("Human:") && chatTemplateJinja.contains("Assistant:") {
            return .humanAssistant
        }
        throw TokenizerError.unknownChatTemplate(String(chatTemplateJinja.prefix(60)))
    }

    /// A system message the template writes itself: a Jinja string literal holding
    /// `<|im_start|>system` + newline + text + `<|im_end|>`, as in `'<|im_start|>system\nYou are…<|im_end|>\n'`.
    /// Literals that stop after the newline (the system text then comes from the messages) do not count.
    static func defaultSystemMessage(in template: String) -> String? {
        for marker in template.ranges(of: "<|im_start|>system") {
            guard let quote = template[..<marker.lowerBound].lastIndex(where: { $0 == "'" || $0 == "\"" }),
                let literal = stringLiteral(in: template, openingQuote: quote),
                let start = literal.firstRange(of: "<|im_start|>system\n"),
                let end = literal[start.upperBound...].firstRange(of: "<|im_end|>")
            else { continue }
            let message = literal[start.upperBound..<end.lowerBound]
            if !message.isEmpty { return String(message) }
        }
        return nil
    }

    /// The value of the Jinja string literal whose opening quote is at `openingQuote` (escapes resolved), or nil if
    /// it is not closed.
    private static func stringLiteral(in text: String, openingQuote: String.Index) -> String? {
        let quote = text[openingQuote]
        var value = ""
        var i = text.index(after: openingQuote)
        while i < text.endIndex {
            let c = text[i]
            if c == quote { return value }
            i = text.index(after: i)
            guard c == "\\", i < text.endIndex else {
                value.append(c)
                continue
            }
            switch text[i] {
            case "n": value.append("\n")
            case "t": value.append("\t")
            case "r": value.append("\r")
            default: value.append(text[i])
            }
            i = text.index(after: i)
        }
        return nil
    }
}
