import Foundation

/// What a generated pair says beside its texts: the judge that ranked it and the two scores (the
/// `generated_pairs.jsonl` of Online DPO, RSO and SPPO, `{"judge", "score_chosen", "score_rejected"}`).
///
/// Training learns from the texts alone, so `RecordLoader` keeps no other field; the Data screen and
/// `dpo data show` read these again, by line, to show who decided a pair and by how much.
public struct PairAnnotation: Sendable, Hashable {
    public var judge: String?
    public var scoreChosen: Double?
    public var scoreRejected: Double?

    public init(judge: String? = nil, scoreChosen: Double? = nil, scoreRejected: Double? = nil) {
        self.judge = judge
        self.scoreChosen = scoreChosen
        self.scoreRejected = scoreRejected
    }

    /// `judge sentiment · score chosen 0.820, rejected 0.310`, the parts the record has.
    public var summary: String {
        var parts: [String] = []
        if let judge { parts.append("judge \(judge)") }
        let scores = [("chosen", scoreChosen), ("rejected", scoreRejected)].compactMap { name, score in
            score.map { "\(name) \(String(format: "%.3f", $0))" }
        }
        if !scores.isEmpty { parts.append("score " + scores.joined(separator: ", ")) }
        return parts.joined(separator: " · ")
    }

    /// The annotations of a JSON Lines file by 1-based line, the numbering `SourceLocation` uses; lines with none of
    /// the fields (and lines that do not parse, which the loader reports) are left out. Empty for a file that
    /// cannot be read or is a JSON array.
    public static func read(contentsOf url: URL) -> [Int: PairAnnotation] {
        guard let data = try? Data(contentsOf: url, options: .alwaysMapped) else { return [:] }
        var found: [Int: PairAnnotation] = [:]
        data.withUnsafeBytes { bytes in
            guard FileLayout.detect(bytes) == .jsonLines else { return }
            JSONLines.forEachLine(in: bytes) { line, lineBytes in
                guard let object = (try? JSONParser.parse(lineBytes))?.objectValue else { return }
                func number(_ key: String) -> Double? {
                    if case .number(let value)? = object[key] { return value }
                    return nil
                }
                let annotation = PairAnnotation(judge: object["judge"]?.stringValue, scoreChosen: number("score_chosen"),
                                                scoreRejected: number("score_rejected"))
                if annotation != PairAnnotation() { found[line] = annotation }
            }
        }
        return found
    }
}
