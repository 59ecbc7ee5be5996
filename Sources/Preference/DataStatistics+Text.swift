import Foundation

extension DatasetStatistics {
    /// The report `dpo data stats` prints: a table of quantiles, the length-bias line, duplicates, truncation,
    /// skipped records, then one text histogram per column.
    public func formatted(histogramWidth: Int = 40) -> String {
        var lines: [String] = []
        let formatName = format.map { " (\($0))" } ?? ""
        lines.append("\(file)\(formatName): \(records) \(lengthBias == nil ? "examples" : "pairs")")
        lines.append("lengths in \(unit) (\(tokenizer)); completions include EOS or end-of-turn; before truncation")
        lines.append("")
        lines.append(pad("", 12) + ["p5", "p50", "p95", "max", "mean"].map { pad($0, 8, right: true) }.joined())
        for column in distributions {
            let d = column.distribution
            lines.append(
                pad(column.name, 12) + [d.p5, d.p50, d.p95, d.max].map { pad(String($0), 8, right: true) }.joined()
                    + pad(String(format: "%.1f", d.mean), 8, right: true))
        }
        lines.append("")
        if let bias = lengthBias {
            lines.append(
                String(
                    format: "length bias: chosen longer than rejected in %.1f%% of pairs (equal in %.1f%%), "
                        + "mean chosen - rejected = %+.1f ",
                    bias.chosenLongerShare * 100, bias.equalShare * 100, bias.meanDifference) + unit)
            lines.append("  (DPO learns length when it separates chosen from rejected; watch completion lengths)")
        }
        lines.append("exact duplicates: \(exactDuplicates)")
        lines.append("truncation (\(describe(truncation))): \(truncated) truncated, \(dropped) dropped")
        lines.append("skipped: \(problems.count)")
        lines += problems.prefix(20).map { "  \($0)" }
        if problems.count > 20 { lines.append("  … and \(problems.count - 20) more (dpo data validate lists all)") }
        for column in distributions where column.distribution.count > 0 {
            lines.append("")
            lines.append("\(column.name) length histogram (\(unit))")
            lines += histogram(column.distribution, width: histogramWidth)
        }
        return lines.joined(separator: "\n")
    }

    private func histogram(_ d: LengthDistribution, width: Int) -> [String] {
        let tallest = d.histogram.max() ?? 1
        let labelWidth = String(d.max).count
        return d.histogram.enumerated().map { bin, count in
            let low = d.min + bin * d.binWidth
            let high = low + d.binWidth - 1
            let bar = String(repeating: "#", count: count == 0 ? 0 : Swift.max(1, count * width / tallest))
            return "  " + pad(String(low), labelWidth, right: true) + "-" + pad(String(high), labelWidth) + " "
                + pad(bar, width) + " " + String(count)
        }
    }

    private func describe(_ settings: TruncationSettings) -> String {
        let maxLength = settings.maxLength.map(String.init) ?? "none"
        let maxPrompt = settings.maxPromptLength.map(String.init) ?? "none"
        return "max_length \(maxLength), max_prompt_length \(maxPrompt), \(settings.mode.rawValue)"
    }

    private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let padding = String(repeating: " ", count: Swift.max(0, width - text.count))
        return right ? padding + text : text + padding
    }
}
