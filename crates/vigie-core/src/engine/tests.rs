//! Engine unit tests: the report pre-screen never hides what the detector would flag.

use proptest::prelude::*;

use crate::detect::{tail, DetectParams};
use crate::engine::reports::SurgeScreen;

fn surprise(k: u32, mean: f64, phi: f64, windows: usize) -> f64 {
    -(tail::ln_nb_upper(f64::from(k), mean, phi) + (windows as f64).ln()) / std::f64::consts::LN_10
}

proptest! {
    #[test]
    fn below_the_threshold_nothing_is_elevated(mean in 0.01f64..500.0, phi in 0.01f64..4.0) {
        let params = DetectParams::default();
        let mut screen = SurgeScreen::new(&params);
        let k = screen.threshold(mean, phi);
        // Any count below the threshold is unremarkable against `mean` (the screen rounds
        // mean and dispersion down, so it may only be lower than the exact threshold).
        if k > 0 {
            prop_assert!(surprise(k - 1, mean, phi, params.windows.len()) < params.elevated_surprise);
        }
        // And the threshold is never far below the exact one.
        let exact = (0..).find(|&x| surprise(x, mean, phi, params.windows.len()) >= params.elevated_surprise).unwrap();
        prop_assert!(k <= exact);
        prop_assert!(f64::from(k) >= 0.7 * f64::from(exact) - 1.0, "k {k} exact {exact}");
    }
}
