//! vigie-eval measures vigie: it generates scenarios with their truth, scores replay output
//! against truth, and scores anomaly detectors with the NAB rules.

pub mod nab;
