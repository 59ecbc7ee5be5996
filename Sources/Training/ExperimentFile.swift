import Foundation
import Model
import Yams

extension Experiment {
    /// Reads an experiment file. Nested maps (`sft:`, `lora:`, `tiny:`, `samples:`) and dotted keys
    /// (`sft.max_steps: 100`) are equivalent. `sweep:` maps keys to lists of values (one grid), or lists such
    /// maps (grids run one after another: `sweepGrids`). Unknown keys and out-of-range values are errors naming
    /// the key.
    public init(yaml text: String, file: String = "<experiment>") throws {
        let parsed: Any?
        do {
            parsed = try Yams.load(yaml: text)
        } catch {
            throw ExperimentError(key: nil, "\(file): not valid YAML: \(error)")
        }
        self.init()
        guard let parsed else { return }
        guard let root = parsed as? [String: Any] else { throw ExperimentError(key: nil, "\(file): the top level must be a map of keys") }
        for (key, value) in try flatten(root, file: file) {
            if key == "sweep" { continue }
            try set(key, to: value)
        }
        switch root["sweep"] {
        case nil:
            break
        case let map as [String: Any]:
            let order = Experiment.keyOrder(in: text, under: "sweep")
            let ordered = map.sorted { order.firstIndex(of: $0.key) ?? .max < order.firstIndex(of: $1.key) ?? .max }
            sweep = try ordered.map { try sweepAxis($0.key, $0.value, scalarAllowed: false, label: "sweep.\($0.key)") }
        case let list as [Any]:
            sweepGrids = try list.enumerated().map { index, entry in
                guard let map = entry as? [String: Any], !map.isEmpty else {
                    throw ExperimentError(key: "sweep[\(index + 1)]", "must map keys to values or lists of values")
                }
                return try flatten(map, file: file).map { try sweepAxis($0.0, $0.1, scalarAllowed: true, label: "sweep[\(index + 1)].\($0.0)") }
            }
        default:
            throw ExperimentError(key: "sweep", "must map keys to lists of values, or list such maps")
        }
        try validate()
    }

    /// One sweep key and its values, each checked against the key's range. In the list form a single value
    /// stands for a list of one, so an entry can pin keys (`online.enabled: true`) beside the ones it varies.
    private func sweepAxis(_ key: String, _ values: Any, scalarAllowed: Bool, label: String) throws -> SweepAxis {
        guard ExperimentKeys.named(key) != nil else { throw ExperimentError(key: label, "unknown key") }
        let list = values as? [Any] ?? (scalarAllowed ? [values] : [])
        guard !list.isEmpty else { throw ExperimentError(key: label, "needs a non-empty list") }
        let texts = try list.map { try string($0) }
        for value in texts { var probe = self; try probe.set(key, to: value) }
        return SweepAxis(key: key, values: texts)
    }

    public init(contentsOf url: URL) throws {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw FileProblem("cannot read", url.path, error)
        }
        try self.init(yaml: text, file: url.path)
    }

    /// Sets one key from a value typed by YAML or from `--set` text.
    public mutating func set(_ key: String, to value: Any) throws {
        guard let spec = ExperimentKeys.named(key) else {
            let close = ExperimentKeys.all.map(\.name).filter { $0.hasPrefix(String(key.prefix(3))) }
            throw ExperimentError(key: key, "unknown key" + (close.isEmpty ? "" : " (did you mean \(close.joined(separator: ", "))?)"))
        }
        try spec.set(&self, to: value)
    }

    /// Applies `key=value` overrides from the command line, the value read as a YAML scalar or list.
    public mutating func apply(overrides: [String]) throws {
        for override in overrides {
            guard let equals = override.firstIndex(of: "=") else {
                throw ExperimentError(key: nil, "--set expects key=value, got '\(override)'")
            }
            let key = String(override[..<equals])
            let text = String(override[override.index(after: equals)...])
            try set(key, to: (try? Yams.load(yaml: text)).flatMap { $0 } ?? text)
        }
        try validate()
    }

    /// Checks what no single key can: relations between keys.
    public func validate() throws {
        if online.enabled, loss.lossTypes.contains(.kto) {
            throw ExperimentError(key: "online.enabled", "online DPO makes pairs: it takes a paired loss, not kto")
        }
        if rso.enabled, online.enabled || loss.lossTypes.contains(.kto) {
            throw ExperimentError(key: "rso.enabled", "RSO makes offline pairs: it takes a paired loss and online.enabled false")
        }
        if rso.samples > rso.candidates {
            throw ExperimentError(key: "rso.samples", "\(rso.samples) is more than rso.candidates \(rso.candidates)")
        }
        if sppoEnabled, online.enabled || rso.enabled || loraEnabled {
            throw ExperimentError(key: "loss_type", "sppo makes its own pairs and keeps each round's reference in memory: "
                                  + "online.enabled, rso.enabled and lora.enabled must be false")
        }
        if online.enabled, loraEnabled {
            throw ExperimentError(key: "online.enabled", "online DPO keeps a reference model in memory; with lora.enabled it is not available yet")
        }
        if maxPromptLength >= maxLength {
            throw ExperimentError(key: "max_prompt_length", "\(maxPromptLength) leaves no room for a completion within max_length \(maxLength)")
        }
        if let weights = loss.lossWeights, weights.count != loss.lossTypes.count {
            throw ExperimentError(key: "loss_weights", "has \(weights.count) values for \(loss.lossTypes.count) loss types")
        }
        if tinyModel.hiddenSize % tinyModel.heads != 0 || (tinyModel.hiddenSize / tinyModel.heads) % 2 != 0 {
            throw ExperimentError(key: "tiny.hidden_size", "\(tinyModel.hiddenSize) must split into \(tinyModel.heads) heads of even size")
        }
        do {
            try loss.validate()
        } catch {
            throw ExperimentError(key: nil, "\(error)")
        }
    }

    /// The resolved experiment as YAML: every key with its value, so a run's `config.yaml` says exactly what ran
    /// and can be run again as an experiment file.
    public func yaml() -> String {
        var lines: [String] = []
        var section = ""
        for key in ExperimentKeys.all {
            let value = key.value(self)
            if value.isEmpty { continue }
            let parts = key.name.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count == 2 {
                if parts[0] != section {
                    section = parts[0]
                    lines.append("\(section):")
                }
                lines.append("  \(parts[1]): \(yamlValue(value, key: key.name))")
            } else {
                section = ""
                lines.append("\(key.name): \(yamlValue(value, key: key.name))")
            }
        }
        // A sweep value is one `--set` value (one loss type, not a list of them), so it is written as a scalar.
        func axisLine(_ axis: SweepAxis) -> String {
            "\(axis.key): [\(axis.values.map(yamlScalar).joined(separator: ", "))]"
        }
        if !sweep.isEmpty {
            lines.append("sweep:")
            for axis in sweep { lines.append("  " + axisLine(axis)) }
        }
        if !sweepGrids.isEmpty {
            lines.append("sweep:")
            for grid in sweepGrids {
                for (index, axis) in grid.enumerated() { lines.append((index == 0 ? "  - " : "    ") + axisLine(axis)) }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func yamlValue(_ value: String, key: String) -> String {
        if ["loss_type", "loss_weights", "lora.target_modules"].contains(key) { return "[\(value.split(separator: ",").joined(separator: ", "))]" }
        return yamlScalar(value)
    }

    private func yamlScalar(_ value: String) -> String {
        if Double(value) != nil || value == "true" || value == "false" { return value }
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\"\(escaped)\""
    }

    /// The order in which keys appear under `section` in the text (YAML maps come back unordered).
    private static func keyOrder(in text: String, under section: String) -> [String] {
        var inside = false
        var keys: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") && !line.hasPrefix("\t") { inside = line.hasPrefix("\(section):") ; continue }
            if inside, let colon = line.firstIndex(of: ":") { keys.append(line[..<colon].trimmingCharacters(in: .whitespaces)) }
        }
        return keys
    }
}

/// Nested maps become dotted keys (`sft: {max_steps: 1}` → `sft.max_steps`), except the sweep map.
private func flatten(_ map: [String: Any], prefix: String = "", file: String) throws -> [(String, Any)] {
    var pairs: [(String, Any)] = []
    for (key, value) in map {
        let name = prefix.isEmpty ? key : "\(prefix).\(key)"
        if name == "sweep" { pairs.append((name, value)); continue }
        if let nested = value as? [String: Any] {
            pairs += try flatten(nested, prefix: name, file: file)
        } else {
            pairs.append((name, value))
        }
    }
    return pairs.sorted { $0.0 < $1.0 }
}
