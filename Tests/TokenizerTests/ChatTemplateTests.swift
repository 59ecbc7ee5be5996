import Foundation
import Tokenizer
import XCTest

/// Rendering against transformers' `apply_chat_template` on the same Jinja text, and template detection.
final class ChatTemplateTests: XCTestCase {
    private static let cases: [String: ChatTemplate] = [
        "smollm2": .chatML(defaultSystem: ChatTemplate.smolLM2DefaultSystem),
        "chatml": .chatML(defaultSystem: nil),
        "hh": .humanAssistant,
    ]

    func testRendersLikeTransformers() throws {
        let golden = try XCTUnwrap(Fixtures.golden).chat
        XCTAssertFalse(golden.renders.isEmpty)
        for render in golden.renders {
            let template = try XCTUnwrap(Self.cases[render.template])
            let text = template.render(render.messages, addGenerationPrompt: render.addGenerationPrompt)
            XCTAssertTrue(
                sameScalars(text, render.text),
                "\(render.template), \(render.messages.count) messages, prompt \(render.addGenerationPrompt):\n"
                    + "\(text.debugDescription)\ntransformers:\n\(render.text.debugDescription)")
        }
    }

    /// `jinja` is the very text transformers rendered above (so a saved tokenizer_config.json behaves the same in
    /// Python), and SmolLM2's own template for its default system message.
    func testJinjaIsTheTemplateTransformersRendered() throws {
        let templates = try XCTUnwrap(Fixtures.golden).chat.templates
        for (name, template) in Self.cases {
            XCTAssertTrue(sameScalars(template.jinja, try XCTUnwrap(templates[name])), name)
        }
    }

    func testDetectsSmolLM2WithItsDefaultSystemMessage() throws {
        let smolLM2 = try XCTUnwrap(Fixtures.golden?.chat.templates["smollm2"])
        XCTAssertEqual(
            try ChatTemplate.detect(from: smolLM2), .chatML(defaultSystem: ChatTemplate.smolLM2DefaultSystem))
    }

    func testDetectsRoundTripOfEveryCase() throws {
        let escaped = ChatTemplate.chatML(defaultSystem: "It's a \\ test:\nbe 'brief'")
        for template in Array(Self.cases.values) + [escaped] {
            XCTAssertEqual(try ChatTemplate.detect(from: template.jinja), template)
        }
    }

    /// A Qwen-2.5-style template: the first `<|im_start|>system` literal stops at the newline (system text from
    /// the messages); the default message is in a later literal.
    func testDetectsDefaultSystemInALaterLiteral() throws {
        let qwenLike = """
            {%- if messages[0]['role'] == 'system' %}\
            {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\
            {%- else %}{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud.<|im_end|>\\n' }}{%- endif %}\
            {%- for message in messages %}\
            {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\
            {%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}
            """
        XCTAssertEqual(
            try ChatTemplate.detect(from: qwenLike), .chatML(defaultSystem: "You are Qwen, created by Alibaba Cloud."))
    }

    func testUnknownTemplateErrorNamesWhatWasFound() {
        let llama3 = "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = "
            + "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim "
            + "+ '<|eot_id|>' %}"
        XCTAssertThrowsError(try ChatTemplate.detect(from: llama3)) { error in
            XCTAssertEqual(error as? TokenizerError, .unknownChatTemplate(String(llama3.prefix(60))))
            XCTAssertTrue("\(error)".contains("{% set loop_messages = messages %}"), "\(error)")
        }
        XCTAssertThrowsError(try ChatTemplate.detect(from: ""))
    }

    func testEmptyConversation() {
        XCTAssertEqual(ChatTemplate.chatML(defaultSystem: "S").render([], addGenerationPrompt: false), "")
        XCTAssertEqual(
            ChatTemplate.chatML(defaultSystem: "S").render([], addGenerationPrompt: true), "<|im_start|>assistant\n")
        XCTAssertEqual(ChatTemplate.humanAssistant.render([], addGenerationPrompt: true), "\n\nAssistant:")
    }

    func testHumanAssistantTurns() {
        let messages = [
            ChatMessage(role: "user", content: "Hi"), ChatMessage(role: "assistant", content: "Hello"),
            ChatMessage(role: "user", content: "Bye"),
        ]
        XCTAssertEqual(
            ChatTemplate.humanAssistant.render(messages, addGenerationPrompt: true),
            "\n\nHuman: Hi\n\nAssistant: Hello\n\nHuman: Bye\n\nAssistant:")
    }

    func testChatMessageCodable() throws {
        let message = ChatMessage(role: "user", content: "é\n\"quoted\"")
        let data = try JSONEncoder().encode(message)
        XCTAssertEqual(try JSONDecoder().decode(ChatMessage.self, from: data), message)
    }
}
