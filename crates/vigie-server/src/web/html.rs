//! Escaping and small HTML helpers: the one place where text becomes markup.
//!
//! Every string that did not come from this crate's own source (service names, ids, report
//! notes, explanations, catalogue messages with arguments) goes through [`esc`] before it is
//! written into HTML, SVG or XML. The same escaping is correct in element content and in
//! quoted attribute values, so there is a single helper rather than one per context.

use std::fmt::{self, Write};

use vigie_core::Timestamp;

/// Displays `text` with `& < > " '` replaced by entities.
pub struct Escaped<'a>(pub &'a str);

/// Escapes `text` for HTML/XML content and quoted attribute values.
pub fn esc(text: &str) -> Escaped<'_> {
    Escaped(text)
}

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..i])?;
            f.write_str(match rest.as_bytes()[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[i + 1..];
        }
        f.write_str(rest)
    }
}

/// The escaped text as a `String`.
pub fn escape(text: &str) -> String {
    esc(text).to_string()
}

/// Percent-encodes one URL path segment (everything but RFC 3986 unreserved characters).
/// With `keep_slash`, `/` is left alone: component ids such as `aws/us-east-1` are
/// hierarchical and their page is `/c/aws/us-east-1`.
pub fn url_segment(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        let unreserved = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
        if unreserved || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// `/s/{service}` for a service id.
pub fn service_href(id: &str) -> String {
    format!("/s/{}", url_segment(id, false))
}

/// `/c/{component}` for a component id (slashes kept).
pub fn component_href(id: &str) -> String {
    format!("/c/{}", url_segment(id, true))
}

/// `/incidents/{id}`.
pub fn incident_href(id: u64) -> String {
    format!("/incidents/{id}")
}

/// A `<time>` element: machine-readable UTC in `datetime`, readable UTC as its text. The
/// page script rewrites the text into the viewer's time zone; without it the UTC stays.
pub fn time_element(at: Timestamp) -> String {
    let iso = at.to_rfc3339();
    format!(
        "<time datetime=\"{}\">{}</time>",
        esc(&iso),
        esc(&utc_text(at))
    )
}

/// `2021-06-08 09:47 UTC`: the no-JavaScript rendering of a time.
pub fn utc_text(at: Timestamp) -> String {
    let iso = at.to_rfc3339();
    // RFC 3339 from Timestamp is `YYYY-MM-DDTHH:MM:SS[.mmm]Z`; anything else (out of range)
    // is shown as it is.
    if iso.len() >= 16 && iso.as_bytes().get(10) == Some(&b'T') {
        format!("{} {} UTC", &iso[..10], &iso[11..16])
    } else {
        iso
    }
}

/// A duration in milliseconds as `2 h 05 min`, `7 min`, `45 s`.
pub fn duration_text(ms: i64) -> String {
    let secs = ms.max(0) / 1000;
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    if h > 0 {
        format!("{h} h {m:02} min")
    } else if m > 0 {
        format!("{m} min")
    } else {
        format!("{s} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_an_xss_payload() {
        let payload = r#"<script>alert("x")</script><img src=x onerror='alert(1)'>&"#;
        let out = escape(payload);
        assert_eq!(
            out,
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=&#39;alert(1)&#39;&gt;&amp;"
        );
        assert!(!out.contains('<') && !out.contains('>') && !out.contains('"'));
        assert!(!out.contains('\''));
    }

    #[test]
    fn escaping_keeps_plain_and_multibyte_text() {
        assert_eq!(escape("Café — 37 services"), "Café — 37 services");
        assert_eq!(escape(""), "");
        assert_eq!(escape("a<é>b"), "a&lt;é&gt;b");
    }

    #[test]
    fn url_segments() {
        assert_eq!(url_segment("aws/us-east-1", true), "aws/us-east-1");
        assert_eq!(url_segment("aws/us-east-1", false), "aws%2Fus-east-1");
        assert_eq!(url_segment("a b\"<", false), "a%20b%22%3C");
        assert_eq!(url_segment("é", false), "%C3%A9");
        assert_eq!(service_href("x\"onmouseover=1"), "/s/x%22onmouseover%3D1");
    }

    #[test]
    fn times_render_as_utc_with_machine_readable_attribute() {
        let t = Timestamp::parse_rfc3339("2021-06-08T09:47:30Z").unwrap();
        assert_eq!(
            time_element(t),
            "<time datetime=\"2021-06-08T09:47:30Z\">2021-06-08 09:47 UTC</time>"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(duration_text(45_000), "45 s");
        assert_eq!(duration_text(7 * 60_000 + 5_000), "7 min");
        assert_eq!(duration_text(2 * 3_600_000 + 5 * 60_000), "2 h 05 min");
        assert_eq!(duration_text(-5), "0 s");
    }
}
