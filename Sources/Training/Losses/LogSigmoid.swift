import Foundation

// Stable logistic functions. `exp` of a large argument overflows and `log(1 + exp(x))` loses everything for
// large |x|; these stay finite and accurate for any finite x (the loss tests push |x| to 1e4).

/// softplus(x) = log(1 + eˣ), computed as max(x, 0) + log1p(e^(−|x|)).
func softplus(_ x: Double) -> Double {
    max(x, 0) + log1p(exp(-abs(x)))
}

/// log σ(x) = −softplus(−x).
func logSigmoid(_ x: Double) -> Double {
    -softplus(-x)
}

/// σ(x) = 1 / (1 + e⁻ˣ), evaluated on the side where the exponential cannot overflow.
func sigmoid(_ x: Double) -> Double {
    if x >= 0 {
        return 1 / (1 + exp(-x))
    }
    let e = exp(x)
    return e / (1 + e)
}

/// log(1 − eˣ) for x < 0 (Mächler 2012, "Accurately computing log(1 − exp(−|a|))"): `log(-expm1(x))` above −ln 2,
/// `log1p(-exp(x))` further out. Used by ORPO's odds of a (token-mean) probability.
func log1mexp(_ x: Double) -> Double {
    x > -0.693_147_180_559_945_3 ? log(-expm1(x)) : log1p(-exp(x))
}
