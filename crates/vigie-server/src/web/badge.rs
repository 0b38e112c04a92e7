//! Status badges `/badge/{service}.svg`, in the flat two-part style READMEs use
//! (label on the left, state on the right). Widths come from a per-character estimate of
//! Verdana 11 px so no font metrics are needed at run time.

use std::fmt::Write;

use vigie_core::State;

use super::html::esc;
use super::i18n::Messages;

/// Approximate advance width in px of one character at 11 px Verdana.
fn char_width(c: char) -> f64 {
    match c {
        'i' | 'l' | 'j' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | 'I' => 3.5,
        'f' | 't' | 'r' | ' ' | '(' | ')' | '[' | ']' | '-' => 4.5,
        'm' | 'w' | 'M' | 'W' | '@' => 10.5,
        c if c.is_ascii_uppercase() || c.is_ascii_digit() => 7.5,
        _ => 6.8,
    }
}

/// Estimated rendered width of `text`.
pub fn text_width(text: &str) -> f64 {
    text.chars().map(char_width).sum()
}

/// The fill of the right-hand part for a state.
pub fn state_color(state: State) -> &'static str {
    match state {
        State::Operational => "#2e7d32",
        State::Degraded => "#b26a00",
        State::MajorOutage => "#c62828",
        State::Unknown => "#616161",
    }
}

/// The longest label shown; longer service names are cut with an ellipsis.
const MAX_LABEL_CHARS: usize = 40;

/// An SVG badge "`label` | `state`".
pub fn render(label: &str, state: State, m: &Messages) -> String {
    let label: String = if label.chars().count() > MAX_LABEL_CHARS {
        let mut s: String = label.chars().take(MAX_LABEL_CHARS - 1).collect();
        s.push('…');
        s
    } else {
        label.to_string()
    };
    let value = m.state(state);
    let lw = (text_width(&label) + 12.0).round();
    let vw = (text_width(value) + 12.0).round();
    let total = lw + vw;
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{total}\" height=\"20\" role=\"img\" aria-label=\"{l}: {v}\">\
         <title>{l}: {v}</title>\
         <linearGradient id=\"s\" x2=\"0\" y2=\"100%\"><stop offset=\"0\" stop-color=\"#bbb\" stop-opacity=\".1\"/><stop offset=\"1\" stop-opacity=\".1\"/></linearGradient>\
         <clipPath id=\"r\"><rect width=\"{total}\" height=\"20\" rx=\"3\" fill=\"#fff\"/></clipPath>\
         <g clip-path=\"url(#r)\"><rect width=\"{lw}\" height=\"20\" fill=\"#555\"/><rect x=\"{lw}\" width=\"{vw}\" height=\"20\" fill=\"{color}\"/>\
         <rect width=\"{total}\" height=\"20\" fill=\"url(#s)\"/></g>\
         <g fill=\"#fff\" text-anchor=\"middle\" font-family=\"Verdana,Geneva,DejaVu Sans,sans-serif\" font-size=\"11\">\
         <text x=\"{lx}\" y=\"15\" fill=\"#010101\" fill-opacity=\".3\">{l}</text><text x=\"{lx}\" y=\"14\">{l}</text>\
         <text x=\"{vx}\" y=\"15\" fill=\"#010101\" fill-opacity=\".3\">{v}</text><text x=\"{vx}\" y=\"14\">{v}</text></g></svg>",
        l = esc(&label),
        v = esc(value),
        color = state_color(state),
        lx = lw / 2.0,
        vx = lw + vw / 2.0,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::Lang;

    #[test]
    fn badge_is_svg_with_state_colour_and_escaped_label() {
        let m = Lang::En.messages();
        let svg = render("<b>Reddit</b>", State::MajorOutage, &m);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains("#c62828"));
        assert!(svg.contains("&lt;b&gt;Reddit&lt;/b&gt;: Major outage"));
        assert!(!svg.contains("<b>"));
    }

    #[test]
    fn long_labels_are_cut_and_width_grows_with_text() {
        let m = Lang::En.messages();
        let long = "x".repeat(500);
        let svg = render(&long, State::Operational, &m);
        assert!(svg.contains('…'));
        assert!(svg.len() < 3000);
        assert!(text_width("Reddit") < text_width("Reddit Reddit"));
    }
}
