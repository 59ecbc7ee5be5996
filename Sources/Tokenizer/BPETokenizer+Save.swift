import Foundation

/// Writing tokenizer.json in the layout `tokenizers` itself writes (same sections and key order, vocabulary by id,
/// merges as `["a", "b"]` pairs as tokenizers ≥ 0.20 writes them), one vocabulary entry or merge a line so the file
/// diffs well. `post_processor` and `decoder` are written back as they were read.
extension BPETokenizer {
    /// Writes tokenizer.json; `tokenizers` (and this package) load it back to the same ids.
    public func save(to url: URL) throws {
        try Data(tokenizerJSON().utf8).write(to: url, options: .atomic)
    }

    /// The tokenizer.json text `save(to:)` writes.
    public func tokenizerJSON() -> String {
        var out = "{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": ["
        for (i, token) in addedTokens.enumerated() {
            out += i == 0 ? "\n    {\"id\": " : ",\n    {\"id\": "
            out += "\(token.id), \"content\": "
            appendJSONString(token.content, to: &out)
            out += ", \"single_word\": \(token.singleWord), \"lstrip\": \(token.lstrip), \"rstrip\": \(token.rstrip)"
            out += ", \"normalized\": \(token.normalized), \"special\": \(token.special)}"
        }
        out += addedTokens.isEmpty ? "],\n" : "\n  ],\n"
        out += "  \"normalizer\": null,\n  \"pre_tokenizer\": "
        Self.preTokenizerJSON(preTokenizer.steps).write(to: &out)
        out += ",\n  \"post_processor\": "
        postProcessorJSON.write(to: &out)
        out += ",\n  \"decoder\": "
        decoderJSON.write(to: &out)
        out += ",\n  \"model\": {\n    \"type\": \"BPE\",\n    \"dropout\": null,\n    \"unk_token\": "
        if let unknown = model.unknownToken { appendJSONString(unknown, to: &out) } else { out += "null" }
        out += ",\n    \"continuing_subword_prefix\": null,\n    \"end_of_word_suffix\": null,\n"
        out += "    \"fuse_unk\": \(model.fuseUnknown),\n    \"byte_fallback\": false,\n"
        out += "    \"ignore_merges\": \(model.ignoreMerges),\n    \"vocab\": {"
        var first = true
        for (id, token) in model.tokens.enumerated() {
            guard let token else { continue }
            out += first ? "\n      " : ",\n      "
            first = false
            appendJSONString(token, to: &out)
            out += ": \(id)"
        }
        out += first ? "},\n    \"merges\": [" : "\n    },\n    \"merges\": ["
        for (i, (left, right)) in model.mergeStrings.enumerated() {
            out += i == 0 ? "\n      [" : ",\n      ["
            appendJSONString(left, to: &out)
            out += ", "
            appendJSONString(right, to: &out)
            out += "]"
        }
        out += model.merges.isEmpty ? "]\n  }\n}\n" : "\n    ]\n  }\n}\n"
        return out
    }

    /// The `pre_tokenizer` section for these steps: the step itself, or a `Sequence` of several.
    static func preTokenizerJSON(_ steps: [PreTokenizerStep]) -> JSONValue {
        let items = steps.map { step -> JSONValue in
            switch step {
            case .split(let pattern):
                .object([
                    "type": .string("Split"), "pattern": .object(["Regex": .string(pattern.regex)]),
                    "behavior": .string("Isolated"), "invert": .bool(false),
                ])
            case .digits(let individual):
                .object(["type": .string("Digits"), "individual_digits": .bool(individual)])
            case .byteLevel(let addPrefixSpace, let trimOffsets, let useRegex):
                .object([
                    "type": .string("ByteLevel"), "add_prefix_space": .bool(addPrefixSpace),
                    "trim_offsets": .bool(trimOffsets), "use_regex": .bool(useRegex),
                ])
            }
        }
        return items.count == 1 ? items[0] : .object(["type": .string("Sequence"), "pretokenizers": .array(items)])
    }
}
