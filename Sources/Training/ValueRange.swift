/// The numbers a setting accepts: finite, above a lower bound and below an upper one, each bound open or closed.
/// One value gives both the check and the words that error messages and the Config screen show, so the key table
/// and `LossSettings.validate` cannot disagree about a range again.
public struct ValueRange: Sendable, Equatable {
    public var lower: Double?
    public var lowerIncluded = true
    public var upper: Double?
    public var upperIncluded = true

    public static func atLeast(_ bound: Double) -> ValueRange { ValueRange(lower: bound) }
    public static func above(_ bound: Double) -> ValueRange { ValueRange(lower: bound, lowerIncluded: false) }
    public static func between(_ lower: Double, _ upper: Double, upperIncluded: Bool = true) -> ValueRange {
        ValueRange(lower: lower, upper: upper, upperIncluded: upperIncluded)
    }

    public func contains(_ value: Double) -> Bool {
        guard value.isFinite else { return false }
        if let lower, lowerIncluded ? value < lower : value <= lower { return false }
        if let upper, upperIncluded ? value > upper : value >= upper { return false }
        return true
    }

    /// "> 0", "≥ 0", "0 ≤ x < 0.5", named with `symbol`.
    public func text(_ symbol: String = "x") -> String {
        let low = lowerIncluded ? "≤" : "<", high = upperIncluded ? "≤" : "<"
        switch (lower, upper) {
        case let (lower?, upper?): return "\(format(lower)) \(low) \(symbol) \(high) \(format(upper))"
        case let (lower?, nil): return "\(lowerIncluded ? "≥" : ">") \(format(lower))"
        case let (nil, upper?): return "\(upperIncluded ? "≤" : "<") \(format(upper))"
        case (nil, nil): return "any finite number"
        }
    }
}
