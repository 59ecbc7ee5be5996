import Tokenizer

/// Turns one parsed JSON record into a `PreferenceRecord` of a known format, or names the field that is wrong.
enum RecordDecoding {
    static func decode(_ json: JSON, as format: RecordFormat, at source: SourceLocation) throws(FieldProblem)
        -> PreferenceRecord
    {
        guard let object = json.objectValue else {
            throw FieldProblem(kind: .wrongType, field: nil, detail: "expected an object, found \(json.kindName)")
        }
        switch format {
        case .standard:
            let pair = PreferencePair(
                prompt: .text(try string(object, "prompt")),
                chosen: .text(try string(object, "chosen")), rejected: .text(try string(object, "rejected")),
                system: try optionalString(object, "system"), source: source)
            return .pair(try checked(pair))
        case .conversational:
            let pair = PreferencePair(
                prompt: .messages(try messages(object, "prompt")),
                chosen: .messages(try messages(object, "chosen")),
                rejected: .messages(try messages(object, "rejected")), source: source)
            return .pair(try checked(pair))
        case .implicitPrompt:
            return .pair(try checked(try implicitPair(object, source)))
        case .openAI:
            guard let input = object["input"] else {
                throw FieldProblem(kind: .missingField, field: "input", detail: "required by the OpenAI format")
            }
            guard let inputObject = input.objectValue else {
                throw FieldProblem(kind: .wrongType, field: "input", detail: "expected an object, found \(input.kindName)")
            }
            let pair = PreferencePair(
                prompt: .messages(try messages(inputObject, "messages", path: "input.messages")),
                chosen: .messages(try messages(object, "preferred_output")),
                rejected: .messages(try messages(object, "non_preferred_output")), source: source)
            return .pair(try checked(pair, chosenField: "preferred_output", rejectedField: "non_preferred_output"))
        case .unpaired:
            return .unpaired(try unpairedExample(object, source))
        }
    }

    // MARK: Formats needing more than field reads

    private static func implicitPair(_ object: JSONObject, _ source: SourceLocation) throws(FieldProblem)
        -> PreferencePair
    {
        if object["chosen"]?.arrayValue != nil {
            let whole = (chosen: try messages(object, "chosen"), rejected: try messages(object, "rejected"))
            try requireDifferent(whole.chosen == whole.rejected)
            let split = ImplicitPrompt.split(chosen: whole.chosen, rejected: whole.rejected)
            return PreferencePair(
                prompt: .messages(split.prompt), chosen: .messages(split.chosen),
                rejected: .messages(split.rejected), source: source)
        }
        let whole = (chosen: try string(object, "chosen"), rejected: try string(object, "rejected"))
        try requireDifferent(whole.chosen == whole.rejected)
        let split = ImplicitPrompt.split(chosen: whole.chosen, rejected: whole.rejected)
        return PreferencePair(
            prompt: .text(split.prompt), chosen: .text(split.chosen), rejected: .text(split.rejected), source: source)
    }

    private static func unpairedExample(_ object: JSONObject, _ source: SourceLocation) throws(FieldProblem)
        -> UnpairedExample
    {
        guard let label = object["label"] else {
            throw FieldProblem(kind: .missingField, field: "label", detail: "required by the unpaired format")
        }
        guard let isDesirable = label.boolValue else {
            throw FieldProblem(kind: .wrongType, field: "label", detail: "expected a boolean, found \(label.kindName)")
        }
        let isConversational = object["prompt"]?.arrayValue != nil
        let example = UnpairedExample(
            prompt: isConversational ? .messages(try messages(object, "prompt")) : .text(try string(object, "prompt")),
            completion: isConversational
                ? .messages(try messages(object, "completion")) : .text(try string(object, "completion")),
            isDesirable: isDesirable, system: try optionalString(object, "system"), source: source)
        if example.completion.isBlank {
            throw FieldProblem(kind: .emptyCompletion, field: "completion", detail: "nothing to learn from")
        }
        return example
    }

    // MARK: Checks shared by every paired format

    private static func checked(
        _ pair: PreferencePair, chosenField: String = "chosen", rejectedField: String = "rejected"
    ) throws(FieldProblem) -> PreferencePair {
        try requireDifferent(pair.chosen == pair.rejected, chosenField, rejectedField)
        if pair.chosen.isBlank {
            throw FieldProblem(kind: .emptyCompletion, field: chosenField, detail: "nothing after the prompt")
        }
        if pair.rejected.isBlank {
            throw FieldProblem(kind: .emptyCompletion, field: rejectedField, detail: "nothing after the prompt")
        }
        return pair
    }

    private static func requireDifferent(
        _ identical: Bool, _ chosenField: String = "chosen", _ rejectedField: String = "rejected"
    ) throws(FieldProblem) {
        if identical {
            throw FieldProblem(
                kind: .identicalCompletions, field: rejectedField,
                detail: "same as `\(chosenField)`, so the pair carries no preference")
        }
    }

    // MARK: Field readers

    private static func string(_ object: JSONObject, _ key: String) throws(FieldProblem) -> String {
        guard let value = object[key] else {
            throw FieldProblem(kind: .missingField, field: key, detail: "expected a string")
        }
        guard let text = value.stringValue else {
            throw FieldProblem(kind: .wrongType, field: key, detail: "expected a string, found \(value.kindName)")
        }
        return text
    }

    private static func optionalString(_ object: JSONObject, _ key: String) throws(FieldProblem) -> String? {
        guard let value = object[key], value != .null else { return nil }
        guard let text = value.stringValue else {
            throw FieldProblem(kind: .wrongType, field: key, detail: "expected a string, found \(value.kindName)")
        }
        return text
    }

    private static func messages(
        _ object: JSONObject, _ key: String, path: String? = nil
    ) throws(FieldProblem) -> [ChatMessage] {
        let path = path ?? key
        guard let value = object[key] else {
            throw FieldProblem(kind: .missingField, field: path, detail: "expected a list of {role, content} messages")
        }
        guard let list = value.arrayValue else {
            throw FieldProblem(
                kind: .wrongType, field: path,
                detail: "expected a list of {role, content} messages, found \(value.kindName)")
        }
        var result: [ChatMessage] = []
        result.reserveCapacity(list.count)
        for (index, element) in list.enumerated() {
            let elementPath = "\(path)[\(index)]"
            guard let message = element.objectValue else {
                throw FieldProblem(
                    kind: .wrongType, field: elementPath, detail: "expected a message object, found \(element.kindName)")
            }
            let role = try string(message, "role", path: elementPath)
            let content = try string(message, "content", path: elementPath)
            result.append(ChatMessage(role: role, content: content))
        }
        return result
    }

    private static func string(
        _ message: JSONObject, _ key: String, path: String
    ) throws(FieldProblem) -> String {
        do {
            return try string(message, key)
        } catch {
            throw FieldProblem(kind: error.kind, field: "\(path).\(key)", detail: error.detail)
        }
    }
}
