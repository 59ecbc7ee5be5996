// TEMPORARY, never committed: stands in for the Tokenizer target's API until it lands.
import Foundation

struct ChatMessage: Sendable, Hashable {
    var role: String
    var content: String
    init(role: String, content: String) { self.role = role; self.content = content }
}

enum ChatTemplate: Sendable, Hashable {
    case chatML(defaultSystem: String?)
    case humanAssistant
    func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        switch self {
        case .chatML(let system):
            var out = ""
            if let system, messages.first?.role != "system" { out += "<|im_start|>system\n\(system)<|im_end|>\n" }
            for m in messages { out += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
            if addGenerationPrompt { out += "<|im_start|>assistant\n" }
            return out
        case .humanAssistant:
            var out = ""
            for m in messages { out += "\n\n\(m.role == "user" ? "Human" : "Assistant"): \(m.content)" }
            if addGenerationPrompt { out += "\n\nAssistant:" }
            return out
        }
    }
}

final class BPETokenizer: @unchecked Sendable {
    var eosTokenId: Int32? = 256
    var bosTokenId: Int32? = nil
    func encode(_ text: String) -> [Int32] {
        var out: [Int32] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            if rest.hasPrefix("<|im_end|>") { out.append(257); rest = rest.dropFirst(10); continue }
            if rest.hasPrefix("<|im_start|>") { out.append(258); rest = rest.dropFirst(12); continue }
            out.append(contentsOf: String(rest.first!).utf8.map { Int32($0) })
            rest = rest.dropFirst()
        }
        return out
    }
    func decode(_ ids: [Int32]) -> String { String(decoding: ids.filter { $0 < 256 }.map { UInt8($0) }, as: UTF8.self) }
    static func load(directory: URL) throws -> BPETokenizer { BPETokenizer() }
    static func train(corpus: [String], vocabularySize: Int, specialTokens: [String]) -> BPETokenizer { BPETokenizer() }
}
