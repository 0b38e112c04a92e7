//! Static assets compiled into the binary: the style sheet and the enhancement script.

/// The style sheet served at `/assets/style.css`.
pub const STYLE_CSS: &str = include_str!("assets/style.css");

/// The script served at `/assets/live.js`: localises times, filters, follows SSE.
pub const LIVE_JS: &str = include_str!("assets/live.js");

/// The asset for a file name under `/assets/`, with its content type.
pub fn get(name: &str) -> Option<(&'static str, &'static str)> {
    match name {
        "style.css" => Some(("text/css; charset=utf-8", STYLE_CSS)),
        "live.js" => Some(("text/javascript; charset=utf-8", LIVE_JS)),
        _ => None,
    }
}
