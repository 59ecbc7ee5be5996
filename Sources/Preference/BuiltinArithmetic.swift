/// A verifiable task: small arithmetic questions whose chosen answer is right and whose rejected answer is a
/// plausible mistake (off by one or ten, a dropped carry, swapped digits, a neighbouring times-table entry).
///
/// Where the sentiment task's reward is a judgement, this one is a fact, so accuracy after DPO is unambiguous.
public struct BuiltinArithmetic: BuiltinTask {
    public let seed: UInt64

    public init(seed: UInt64 = 0) {
        self.seed = seed
    }

    public var name: String { "arithmetic" }

    public var summary: String { "\"What is 37 + 48?\" questions; chosen answers are right, rejected ones plausibly wrong" }

    public func sftCorpus(count: Int) -> [String] {
        drawItems(.train, count: count, seed: seed, salt: 3, prompt: \.prompt) { random in
            let question = Question(&random)
            return PromptedText(prompt: question.prompt, text: question.prompt + " \(question.answer)")
        }.map(\.text)
    }

    public func pairs(_ split: Split, count: Int) -> [PreferencePair] {
        let questions = drawItems(split, count: count, seed: seed, salt: 4, prompt: \.prompt) { Question(&$0) }
        return questions.enumerated().map { index, question in
            var random = TaskRandom(seed: seed, stream: UInt64(index), salt: 5)
            return PreferencePair(
                prompt: .text(question.prompt), chosen: .text(" \(question.answer)"),
                rejected: .text(" \(question.plausibleMistake(&random))"),
                source: SourceLocation(file: "builtin:arithmetic/\(split.rawValue)", line: index + 1))
        }
    }

    public func reward(prompt: String, completion: String) -> Double {
        ArithmeticReward.score(prompt: prompt, completion: completion)
    }
}

/// The arithmetic task's ground truth: 1 when the completion's first number answers the prompt's question, else 0
/// (also 0 when the prompt holds no question this task asks).
public enum ArithmeticReward {
    public static func score(prompt: String, completion: String) -> Double {
        guard let question = Question(parsing: prompt), let given = firstInteger(in: completion) else { return 0 }
        return given == question.answer ? 1 : 0
    }

    /// The first optionally signed run of digits, so " 85." and " 85, because…" both read as 85.
    static func firstInteger(in text: String) -> Int? {
        var digits = ""
        var sign = 1
        for character in text {
            if let digit = character.wholeNumberValue, character.isASCII {
                digits.append(Character(String(digit)))
            } else if !digits.isEmpty {
                break
            } else {
                sign = character == "-" ? -1 : 1
            }
        }
        return digits.isEmpty ? nil : Int(digits).map { $0 * sign }
    }
}

struct Question {
    enum Operation: String, CaseIterable {
        case plus = "+"
        case minus = "-"
        case times = "*"
    }

    let left: Int
    let operation: Operation
    let right: Int

    static let prefix = "Question: What is "
    static let suffix = "?\nAnswer:"

    var prompt: String { "\(Self.prefix)\(left) \(operation.rawValue) \(right)\(Self.suffix)" }

    var answer: Int {
        switch operation {
        case .plus: left + right
        case .minus: left - right
        case .times: left * right
        }
    }

    /// Sums and differences of two-digit numbers (never negative), products of a two-digit and a one-digit number.
    init(_ random: inout TaskRandom) {
        operation = random.pick(Operation.allCases)
        switch operation {
        case .plus:
            left = 10 + random.below(90)
            right = 10 + random.below(90)
        case .minus:
            let a = 10 + random.below(90)
            let b = 10 + random.below(90)
            (left, right) = (max(a, b), min(a, b))
        case .times:
            left = 11 + random.below(89)
            right = 2 + random.below(8)
        }
    }

    /// Reads back a prompt this task wrote.
    init?(parsing prompt: String) {
        guard prompt.hasPrefix(Self.prefix), prompt.hasSuffix(Self.suffix) else { return nil }
        let parts = prompt.dropFirst(Self.prefix.count).dropLast(Self.suffix.count).split(separator: " ")
        guard parts.count == 3, let left = Int(parts[0]), let operation = Operation(rawValue: String(parts[1])),
              let right = Int(parts[2])
        else { return nil }
        self.left = left
        self.operation = operation
        self.right = right
    }

    /// A wrong answer of the kind people and small models give.
    func plausibleMistake(_ random: inout TaskRandom) -> Int {
        let right = answer
        var candidates = [right + 1, right - 1, right + 10, right - 10]
        switch operation {
        case .plus: candidates.append((left % 10 + self.right % 10) % 10 + (left / 10 + self.right / 10) * 10)
        case .minus: candidates.append(abs(left % 10 - self.right % 10) + (left / 10 - self.right / 10) * 10)
        case .times: candidates += [left * (self.right + 1), left * (self.right - 1)]
        }
        let digits = String(right)
        if digits.count == 2 && digits.first != digits.last, let swapped = Int(String(digits.reversed())) {
            candidates.append(swapped)
        }
        let wrong = candidates.filter { $0 != right && $0 >= 0 }
        return random.pick(wrong)
    }
}
