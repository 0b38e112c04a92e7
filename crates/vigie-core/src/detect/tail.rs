//! Tail probabilities of count distributions, computed in log space.
//!
//! This module owns the special functions the detectors need: `ln Γ`, the regularised
//! incomplete beta function `I_x(a, b)` and the regularised lower incomplete gamma function
//! `P(a, x)`, and on top of them the upper tails of the negative-binomial and Poisson
//! distributions. Everything returns natural logarithms so that probabilities far below
//! `f64::MIN_POSITIVE` (a flood of reports against a quiet service easily reaches 1e-400)
//! keep their order instead of all underflowing to zero.
//!
//! The continued fractions follow the modified Lentz method (Numerical Recipes, 3rd ed.,
//! §6.2 and §6.4); each is evaluated only on the side of its argument where it converges
//! quickly, and the complement is taken in linear space only when the result is not small.

/// Smallest magnitude allowed in the Lentz recursion before it is replaced.
const FPMIN: f64 = 1e-300;
/// Relative convergence tolerance of the series and continued fractions.
const EPS: f64 = 1e-14;
/// Iteration cap. Convergence needs about `sqrt(max(a, b))` steps; counts of a few
/// million converge well within this.
const MAX_ITER: usize = 100_000;

/// Lanczos approximation (g = 7, n = 9); relative error below 1e-14 for x > 0.
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEF: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 - x) = π / sin(π x).
        let s = (std::f64::consts::PI * x).sin().abs();
        return std::f64::consts::PI.ln() - s.ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + G + 0.5;
    let mut a = COEF[0];
    for (i, c) in COEF.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// `ln B(a, b)`.
pub fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// Continued fraction for the incomplete beta function (converges for x < (a+1)/(a+b+2)).
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    let qab = a + b;
    let qap = a + 1.0;
    let qam = a - 1.0;
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < FPMIN {
        d = FPMIN;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=MAX_ITER {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < FPMIN {
            d = FPMIN;
        }
        c = 1.0 + aa / c;
        if c.abs() < FPMIN {
            c = FPMIN;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < FPMIN {
            d = FPMIN;
        }
        c = 1.0 + aa / c;
        if c.abs() < FPMIN {
            c = FPMIN;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// `ln I_x(a, b)`, the log of the regularised incomplete beta function, for a, b > 0.
pub fn ln_beta_inc(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if x >= 1.0 {
        return 0.0;
    }
    let ln_front = a * x.ln() + b * (-x).ln_1p() - ln_beta(a, b);
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front + beta_cf(a, b, x).ln() - a.ln()
    } else {
        // I_x(a, b) = 1 - I_{1-x}(b, a); here the complement is not small.
        let other = (ln_front + beta_cf(b, a, 1.0 - x).ln() - b.ln()).exp();
        (-other.min(1.0)).ln_1p()
    }
}

/// `ln P(a, x)`, the log of the regularised lower incomplete gamma function, for a > 0.
pub fn ln_gamma_lower(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return f64::NEG_INFINITY;
    }
    let ln_front = a * x.ln() - x - ln_gamma(a);
    if x < a + 1.0 {
        // Series: P(a, x) = e^-x x^a / Γ(a) Σ x^n / (a (a+1) … (a+n)).
        let mut ap = a;
        let mut del = 1.0 / a;
        let mut sum = del;
        for _ in 0..MAX_ITER {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * EPS {
                break;
            }
        }
        ln_front + sum.ln()
    } else {
        // Continued fraction for Q(a, x); P = 1 - Q is not small here.
        let q = ln_gamma_upper_cf(a, x, ln_front).exp();
        (-q.min(1.0)).ln_1p()
    }
}

/// `ln Q(a, x)`, the log of the regularised upper incomplete gamma function, for a > 0.
pub fn ln_gamma_upper(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x < a + 1.0 {
        // Q = 1 - P is not small here.
        let p = ln_gamma_lower(a, x).exp();
        return (-p.min(1.0)).ln_1p();
    }
    let ln_front = a * x.ln() - x - ln_gamma(a);
    ln_gamma_upper_cf(a, x, ln_front)
}

/// `ln Q(a, x)` by its continued fraction (modified Lentz), valid for x ≥ a + 1;
/// `ln_front` is `a ln x − x − ln Γ(a)`. Shared by both incomplete-gamma functions.
fn ln_gamma_upper_cf(a: f64, x: f64, ln_front: f64) -> f64 {
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / FPMIN;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..=MAX_ITER {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < FPMIN {
            d = FPMIN;
        }
        c = b + an / c;
        if c.abs() < FPMIN {
            c = FPMIN;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    ln_front + h.ln()
}

/// `ln P(X >= k)` for X ~ Poisson(mean).
pub fn ln_poisson_upper(k: f64, mean: f64) -> f64 {
    if k <= 0.0 {
        return 0.0;
    }
    if mean <= 0.0 {
        return f64::NEG_INFINITY;
    }
    // P(X >= k) = P(k, mean), the regularised lower incomplete gamma function.
    ln_gamma_lower(k, mean)
}

/// `ln P(X >= k)` for X negative-binomial with the given mean and dispersion `phi`
/// (variance `mean + phi * mean^2`). `phi <= 0` is the Poisson limit.
///
/// With size `r = 1 / phi` and success probability `p = r / (r + mean)`,
/// `P(X >= k) = I_{1-p}(k, r)` for integer k >= 1.
pub fn ln_nb_upper(k: f64, mean: f64, phi: f64) -> f64 {
    if k <= 0.0 {
        return 0.0;
    }
    if mean <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if phi <= 1e-9 {
        return ln_poisson_upper(k, mean);
    }
    let r = 1.0 / phi;
    let q = mean / (r + mean);
    ln_beta_inc(k, r, q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs()))
    }

    #[test]
    fn ln_gamma_matches_factorials() {
        let mut fact = 1.0f64;
        for n in 1..30u32 {
            assert!(close(ln_gamma(n as f64), fact.ln(), 1e-12), "n = {n}");
            fact *= n as f64;
        }
        assert!(close(
            ln_gamma(0.5),
            std::f64::consts::PI.sqrt().ln(),
            1e-12
        ));
    }

    #[test]
    fn poisson_tail_matches_direct_sum() {
        for &mean in &[0.1f64, 1.0, 3.5, 20.0, 150.0] {
            for k in 1..60u32 {
                // P(X >= k) = 1 - Σ_{j<k} e^-m m^j / j!
                let mut cdf: f64 = 0.0;
                let mut term = (-mean).exp();
                for j in 0..k {
                    if j > 0 {
                        term *= mean / j as f64;
                    }
                    cdf += term;
                }
                let direct = (1.0 - cdf).max(0.0);
                let ours = ln_poisson_upper(k as f64, mean).exp();
                if direct > 1e-12 {
                    assert!(
                        close(ours, direct, 1e-8),
                        "mean {mean} k {k}: {ours} vs {direct}"
                    );
                }
            }
        }
    }

    #[test]
    fn nb_tail_matches_direct_sum() {
        for &(mean, phi) in &[(0.5, 1.0), (2.0, 0.3), (10.0, 0.05), (40.0, 2.0)] {
            let r: f64 = 1.0 / phi;
            let p = r / (r + mean);
            let mut cdf: f64 = 0.0;
            let mut term = p.powf(r);
            for k in 0..80u32 {
                let direct = (1.0 - cdf).max(0.0);
                let ours = ln_nb_upper(k as f64, mean, phi).exp();
                if direct > 1e-11 {
                    assert!(
                        close(ours, direct, 1e-7),
                        "mean {mean} phi {phi} k {k}: {ours} vs {direct}"
                    );
                }
                cdf += term;
                term *= (k as f64 + r) / (k as f64 + 1.0) * (1.0 - p);
            }
        }
    }

    #[test]
    fn upper_gamma_complements_lower() {
        for &(a, x) in &[(1.0, 0.5), (2.0, 3.0), (5.0, 2.0), (3.0, 30.0), (0.5, 0.1)] {
            let sum = ln_gamma_lower(a, x).exp() + ln_gamma_upper(a, x).exp();
            assert!(close(sum, 1.0, 1e-10), "a {a} x {x}: {sum}");
        }
        // Q(1, x) = e^-x, even far in the tail.
        assert!(close(ln_gamma_upper(1.0, 800.0), -800.0, 1e-10));
    }

    #[test]
    fn extreme_tails_stay_finite_and_ordered() {
        let a = ln_nb_upper(300.0, 0.5, 0.5);
        let b = ln_nb_upper(3000.0, 0.5, 0.5);
        assert!(a.is_finite() && b.is_finite());
        assert!(b < a && a < -100.0);
        let c = ln_poisson_upper(5000.0, 1.0);
        assert!(c.is_finite() && c < -10_000.0);
    }

    proptest! {
        #[test]
        fn nb_tail_is_monotone_in_count(k in 1u32..5_000, mean in 0.01f64..2_000.0, phi in 0.0f64..5.0) {
            let a = ln_nb_upper(k as f64, mean, phi);
            let b = ln_nb_upper(k as f64 + 1.0, mean, phi);
            prop_assert!(a <= 0.0 && b <= 0.0);
            prop_assert!(b <= a + 1e-9 * (1.0 + a.abs()), "k {k} mean {mean} phi {phi}: {a} then {b}");
        }

        #[test]
        fn nb_tail_grows_with_expected(k in 1u32..5_000, mean in 0.01f64..2_000.0, phi in 0.0f64..5.0, f in 1.001f64..3.0) {
            let a = ln_nb_upper(k as f64, mean, phi);
            let b = ln_nb_upper(k as f64, mean * f, phi);
            prop_assert!(b >= a - 1e-9 * (1.0 + a.abs()), "k {k} mean {mean} phi {phi}: {a} then {b}");
        }
    }
}
