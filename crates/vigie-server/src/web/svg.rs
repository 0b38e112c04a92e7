//! Server-rendered inline SVG charts: latency and availability, latency per vantage, and
//! crowd reports against the expected band. Pure functions from view-model series to
//! markup; colours come from CSS classes so dark mode restyles them.
//!
//! Each chart scales to its container (`viewBox`, no fixed pixel size), carries a `<title>`
//! and a `<desc>` that states the numbers a sighted reader would take from it, and is
//! `role="img"`, so a screen reader gets the summary rather than a pile of shapes.

use std::fmt::Write;

use vigie_core::Timestamp;

use super::html::{esc, utc_text};
use super::i18n::Messages;
use super::view::{ProbeBucket, ReportBucket, VantageSeries};

const W: f64 = 720.0;
const PAD_L: f64 = 44.0;
const PAD_R: f64 = 8.0;
const PAD_T: f64 = 10.0;
const AXIS_H: f64 = 18.0;

/// Number of palette entries for vantage lines (`.series-0` … in the style sheet).
pub const PALETTE: usize = 6;

fn x_of(t: Timestamp, start: Timestamp, end: Timestamp) -> f64 {
    let span = end.millis_since(start).max(1) as f64;
    let frac = (t.millis_since(start) as f64 / span).clamp(0.0, 1.0);
    PAD_L + frac * (W - PAD_L - PAD_R)
}

/// A "nice" upper bound for an axis: 1, 2 or 5 × 10^k at or above `max`.
pub fn nice_ceiling(max: f64) -> f64 {
    if !max.is_finite() || max <= 0.0 {
        return 1.0;
    }
    let exp = max.log10().floor();
    let base = 10f64.powf(exp);
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * base >= max - 1e-9 {
            return m * base;
        }
    }
    10.0 * base
}

/// Width in chart units of one bucket: the spacing of the first two buckets, or five
/// minutes when there is only one.
fn bucket_width(starts: &[Timestamp], start: Timestamp, end: Timestamp) -> f64 {
    let step = match starts {
        [a, b, ..] if b > a => b.millis_since(*a),
        _ => 5 * vigie_core::time::MINUTE_MS,
    };
    (x_of(start.plus_millis(step), start, end) - x_of(start, start, end)).max(0.5)
}

fn open_svg(out: &mut String, id: &str, h: f64, title: &str, desc: &str) {
    let _ = write!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 {W} {h}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" \
         preserveAspectRatio=\"xMidYMid meet\"><title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
        esc(title),
        esc(desc)
    );
}

fn y_axis(out: &mut String, top: f64, bottom: f64, max: f64, unit: &str) {
    for (frac, label) in [(0.0, 0.0), (0.5, max / 2.0), (1.0, max)] {
        let y = bottom - frac * (bottom - top);
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{PAD_L}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>\
             <text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}{}</text>",
            W - PAD_R,
            PAD_L - 4.0,
            y + 4.0,
            format_axis(label),
            esc(unit)
        );
    }
}

fn format_axis(v: f64) -> String {
    if v >= 10.0 || v == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Hour ticks along the bottom, labelled in UTC (`09:00`).
fn x_axis(out: &mut String, start: Timestamp, end: Timestamp, y: f64) {
    let span = end.millis_since(start);
    if span <= 0 {
        return;
    }
    let hour = vigie_core::time::HOUR_MS;
    let step = if span > 12 * hour {
        4 * hour
    } else if span > 3 * hour {
        hour
    } else {
        15 * vigie_core::time::MINUTE_MS
    };
    let first = start.as_millis() - start.as_millis().rem_euclid(step) + step;
    let mut t = first;
    while t < end.as_millis() {
        let x = x_of(Timestamp::from_millis(t), start, end);
        let label = utc_text(Timestamp::from_millis(t));
        // `YYYY-MM-DD HH:MM UTC` → `HH:MM`
        let hhmm = label.get(11..16).unwrap_or("");
        let _ = write!(
            out,
            "<line class=\"tick\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>\
             <text class=\"axis\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            y,
            y + 3.0,
            y + 14.0,
            esc(hhmm)
        );
        t += step;
    }
}

/// A polyline path through the points with a value, broken where values are missing.
fn line_path(points: impl Iterator<Item = (f64, Option<f64>)>) -> String {
    let mut d = String::new();
    let mut pen_down = false;
    for (x, y) in points {
        match y {
            Some(y) => {
                let _ = write!(d, "{}{x:.1},{y:.1}", if pen_down { " L" } else { " M" });
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    d.trim_start().to_string()
}

/// Latency (line) and availability (a strip of coloured cells under it) over the window.
pub fn probe_chart(
    id: &str,
    buckets: &[ProbeBucket],
    start: Timestamp,
    end: Timestamp,
    m: &Messages,
) -> String {
    let h = 200.0;
    let strip_h = 14.0;
    let strip_y = h - AXIS_H - strip_h;
    let plot_bottom = strip_y - 8.0;
    let max_latency = buckets
        .iter()
        .filter_map(|b| b.latency_ms)
        .fold(0.0f64, f64::max);
    let ceiling = nice_ceiling(max_latency);
    let measured: Vec<f64> = buckets.iter().filter_map(|b| b.latency_ms).collect();
    let avail: Vec<f64> = buckets.iter().filter_map(|b| b.availability).collect();
    let desc = if measured.is_empty() && avail.is_empty() {
        m.get("chart.no_probe_data").to_string()
    } else {
        let mean_latency = measured.iter().sum::<f64>() / measured.len().max(1) as f64;
        let mean_avail = avail.iter().sum::<f64>() / avail.len().max(1) as f64;
        m.fmt(
            "chart.probe_desc",
            &[
                ("mean", &format!("{mean_latency:.0}")),
                ("max", &format!("{max_latency:.0}")),
                ("availability", &m.decimal(mean_avail * 100.0, 1)),
            ],
        )
    };
    let mut out = String::new();
    open_svg(&mut out, id, h, m.get("chart.probe_title"), &desc);
    y_axis(&mut out, PAD_T, plot_bottom, ceiling, " ms");
    let d = line_path(buckets.iter().map(|b| {
        let x = x_of(b.start, start, end);
        let y = b
            .latency_ms
            .map(|l| plot_bottom - (l / ceiling).clamp(0.0, 1.0) * (plot_bottom - PAD_T));
        (x, y)
    }));
    if !d.is_empty() {
        let _ = write!(out, "<path class=\"latency\" d=\"{d}\"/>");
    }
    let starts: Vec<Timestamp> = buckets.iter().take(2).map(|b| b.start).collect();
    let cell_w = bucket_width(&starts, start, end);
    for b in buckets {
        let Some(a) = b.availability else { continue };
        let class = if a >= 0.999 {
            "up"
        } else if a >= 0.5 {
            "partial"
        } else {
            "down"
        };
        let x = x_of(b.start, start, end);
        let _ = write!(
            out,
            "<rect class=\"avail {class}\" x=\"{x:.1}\" y=\"{strip_y:.1}\" width=\"{:.2}\" height=\"{strip_h}\"><title>{} — {}%</title></rect>",
            cell_w.max(0.5),
            esc(&utc_text(b.start)),
            esc(&m.decimal(a * 100.0, 1))
        );
    }
    x_axis(&mut out, start, end, h - AXIS_H);
    out.push_str("</svg>");
    out
}

/// Latency per vantage, one line each (`.series-N` colours), with the legend left to HTML.
pub fn vantage_chart(
    id: &str,
    series: &[VantageSeries],
    start: Timestamp,
    end: Timestamp,
    m: &Messages,
) -> String {
    let h = 180.0;
    let plot_bottom = h - AXIS_H;
    let max_latency = series
        .iter()
        .flat_map(|s| s.buckets.iter().filter_map(|b| b.latency_ms))
        .fold(0.0f64, f64::max);
    let ceiling = nice_ceiling(max_latency);
    let mut parts = Vec::new();
    for s in series {
        let vals: Vec<f64> = s.buckets.iter().filter_map(|b| b.latency_ms).collect();
        if let Some(last) = vals.last() {
            parts.push(format!("{} {last:.0} ms", s.vantage));
        }
    }
    let desc = if parts.is_empty() {
        m.get("chart.no_probe_data").to_string()
    } else {
        m.fmt("chart.vantage_desc", &[("latest", &parts.join(", "))])
    };
    let mut out = String::new();
    open_svg(&mut out, id, h, m.get("chart.vantage_title"), &desc);
    y_axis(&mut out, PAD_T, plot_bottom, ceiling, " ms");
    for (i, s) in series.iter().enumerate() {
        let d = line_path(s.buckets.iter().map(|b| {
            let x = x_of(b.start, start, end);
            let y = b
                .latency_ms
                .map(|l| plot_bottom - (l / ceiling).clamp(0.0, 1.0) * (plot_bottom - PAD_T));
            (x, y)
        }));
        if !d.is_empty() {
            let _ = write!(
                out,
                "<path class=\"vantage series-{}\" d=\"{d}\"><title>{}</title></path>",
                i % PALETTE,
                esc(&s.vantage)
            );
        }
    }
    x_axis(&mut out, start, end, plot_bottom);
    out.push_str("</svg>");
    out
}

/// Reports per bucket as bars over the expected band, as Downdetector draws it: the band
/// runs from the expectation to its upper edge; bars above the band are marked `surge`.
pub fn report_chart(
    id: &str,
    buckets: &[ReportBucket],
    start: Timestamp,
    end: Timestamp,
    m: &Messages,
) -> String {
    let h = 200.0;
    let plot_bottom = h - AXIS_H;
    let max = buckets
        .iter()
        .map(|b| (b.count as f64).max(b.upper))
        .fold(0.0f64, f64::max);
    let ceiling = nice_ceiling(max.max(5.0));
    let scale = |v: f64| plot_bottom - (v / ceiling).clamp(0.0, 1.0) * (plot_bottom - PAD_T);
    let total: u64 = buckets.iter().map(|b| b.count as u64).sum();
    let peak = buckets.iter().max_by_key(|b| b.count);
    let surges = buckets.iter().filter(|b| b.count as f64 > b.upper).count();
    let desc = match peak {
        Some(p) if total > 0 => m.fmt(
            "chart.reports_desc",
            &[
                ("total", &total.to_string()),
                ("peak", &p.count.to_string()),
                ("at", &utc_text(p.start)),
                ("expected", &m.decimal(p.expected, 1)),
                ("surges", &surges.to_string()),
            ],
        ),
        _ => m.get("chart.no_reports").to_string(),
    };
    let mut out = String::new();
    open_svg(&mut out, id, h, m.get("chart.reports_title"), &desc);
    y_axis(&mut out, PAD_T, plot_bottom, ceiling, "");
    if !buckets.is_empty() {
        // The band: upper edge left to right, then expectation right to left.
        let mut d = String::new();
        for (i, b) in buckets.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1},{:.1}",
                if i == 0 { "M" } else { " L" },
                x_of(b.start, start, end),
                scale(b.upper)
            );
        }
        for b in buckets.iter().rev() {
            let _ = write!(
                d,
                " L{:.1},{:.1}",
                x_of(b.start, start, end),
                scale(b.expected)
            );
        }
        d.push_str(" Z");
        let _ = write!(out, "<path class=\"band\" d=\"{d}\"/>");
        let exp = line_path(
            buckets
                .iter()
                .map(|b| (x_of(b.start, start, end), Some(scale(b.expected)))),
        );
        let _ = write!(out, "<path class=\"expected\" d=\"{exp}\"/>");
    }
    let starts: Vec<Timestamp> = buckets.iter().take(2).map(|b| b.start).collect();
    let bar_w = (bucket_width(&starts, start, end) * 0.8).max(0.5);
    for b in buckets.iter().filter(|b| b.count > 0) {
        let x = x_of(b.start, start, end);
        let y = scale(b.count as f64);
        let class = if b.count as f64 > b.upper {
            "bar surge"
        } else {
            "bar"
        };
        let _ = write!(
            out,
            "<rect class=\"{class}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar_w:.2}\" height=\"{:.1}\"><title>{} — {}</title></rect>",
            (plot_bottom - y).max(0.0),
            esc(&utc_text(b.start)),
            esc(&m.fmt("chart.reports_bar", &[("count", &b.count.to_string()), ("expected", &m.decimal(b.expected, 1))]))
        );
    }
    x_axis(&mut out, start, end, plot_bottom);
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::Lang;

    fn t(min: i64) -> Timestamp {
        Timestamp::from_millis(1_623_110_400_000 + min * 60_000)
    }

    #[test]
    fn nice_ceilings() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(f64::NAN), 1.0);
        assert_eq!(nice_ceiling(3.2), 5.0);
        assert_eq!(nice_ceiling(120.0), 200.0);
        assert_eq!(nice_ceiling(1000.0), 1000.0);
    }

    #[test]
    fn probe_chart_draws_line_breaks_and_marks_downtime() {
        let m = Lang::En.messages();
        let buckets = vec![
            ProbeBucket {
                start: t(0),
                latency_ms: Some(100.0),
                availability: Some(1.0),
            },
            ProbeBucket {
                start: t(5),
                latency_ms: None,
                availability: Some(0.0),
            },
            ProbeBucket {
                start: t(10),
                latency_ms: Some(300.0),
                availability: Some(1.0),
            },
        ];
        let svg = probe_chart("p", &buckets, t(0), t(15), &m);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        // Two separate sub-paths because of the gap.
        let path = svg.split("class=\"latency\" d=\"").nth(1).unwrap();
        let path = path.split('"').next().unwrap();
        assert_eq!(path.matches('M').count(), 2, "{path}");
        assert_eq!(svg.matches("avail down").count(), 1);
        assert_eq!(svg.matches("avail up").count(), 2);
        assert!(svg.contains("<desc id=\"p-d\">"));
        assert!(
            svg.contains("500 ms"),
            "axis ceiling for 300 ms is 500: {svg}"
        );
    }

    #[test]
    fn empty_charts_say_so() {
        let m = Lang::Fr.messages();
        let svg = probe_chart("p", &[], t(0), t(60), &m);
        assert!(svg.contains(&crate::web::html::escape(m.get("chart.no_probe_data"))));
        let svg = report_chart("r", &[], t(0), t(60), &m);
        assert!(svg.contains(&crate::web::html::escape(m.get("chart.no_reports"))));
    }

    #[test]
    fn report_chart_marks_bars_above_the_band_as_surges() {
        let m = Lang::En.messages();
        let buckets: Vec<_> = (0..10)
            .map(|i| ReportBucket {
                start: t(i),
                count: if i == 7 { 240 } else { 2 },
                expected: 2.0,
                upper: 6.0,
            })
            .collect();
        let svg = report_chart("r", &buckets, t(0), t(10), &m);
        assert_eq!(svg.matches("bar surge").count(), 1);
        assert_eq!(svg.matches("class=\"bar\"").count(), 9);
        assert!(svg.contains("class=\"band\""));
        assert!(svg.contains("peak 240"), "{svg}");
    }

    #[test]
    fn vantage_names_are_escaped() {
        let m = Lang::En.messages();
        let series = vec![VantageSeries {
            vantage: "<script>x</script>".into(),
            buckets: vec![ProbeBucket {
                start: t(0),
                latency_ms: Some(5.0),
                availability: Some(1.0),
            }],
        }];
        let svg = vantage_chart("v", &series, t(0), t(60), &m);
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
    }
}
