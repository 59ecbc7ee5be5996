import ArgumentParser
import Foundation
import Model
import Tokenizer
import Training

/// `dpo sample`: one completion of a prompt, under the model's chat template when its tokenizer has one.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample", abstract: "Generate a completion from a model or run (KV-cached sampling).")

    @Argument(help: "A Hugging Face model directory or a run directory.")
    var model: String

    @Option(help: "The prompt text.") var prompt: String
    @Option(help: "Tokens to generate at most.") var maxNewTokens = 64
    @Option(help: "Sampling temperature; 0 is greedy.") var temperature: Float = 0
    @Option(help: "Sample among the k likeliest tokens.") var topK: Int?
    @Option(help: "Nucleus sampling threshold.") var topP: Float?
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "System message for a chat template.") var system: String?
    @Flag(help: "Feed the prompt as plain text, without the chat template.") var raw = false

    func run() throws {
        let location = try ModelLocation(model)
        let tokenizer = try location.loadTokenizer()
        let model = try location.loadModel()
        var text = prompt
        if !raw, let source = tokenizer.chatTemplateSource {
            let template = try ChatTemplate.detect(from: source)
            let messages = (system.map { [ChatMessage(role: "system", content: $0)] } ?? []) + [ChatMessage(role: "user", content: prompt)]
            text = template.render(messages, addGenerationPrompt: true)
        }
        let stop = Set([tokenizer.eosTokenId, model.config.eosTokenId.map(Int32.init)].compactMap { $0 })
        let settings = SamplingSettings(temperature: temperature, topK: topK, topP: topP, maxNewTokens: maxNewTokens, seed: seed)
        let completion = try model.generate(prompt: tokenizer.encode(text), settings: settings, stopTokens: stop)
        print(tokenizer.decode(completion, skipSpecialTokens: true))
    }
}
