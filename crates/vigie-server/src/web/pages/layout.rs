//! The page shell shared by every HTML page: head, header with the language switch,
//! footer, and the pieces of markup several pages use (state labels, incident cards).

use std::fmt::Write;

use vigie_core::{Scope, State, Timestamp};

use crate::web::html::{esc, incident_href, service_href, time_element, url_segment};
use crate::web::i18n::{Lang, Messages};
use crate::web::view::IncidentSummary;

/// Page-independent inputs of the shell.
#[derive(Clone, Debug)]
pub struct Chrome<'a> {
    pub lang: Lang,
    /// The raw (unescaped) title, without the site name.
    pub title: &'a str,
    /// The request path (no query), for the language switch links.
    pub path: &'a str,
    pub now: Timestamp,
}

/// Version string appended to asset URLs so browsers refetch after an upgrade.
pub const ASSET_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Wraps `main` (already-safe HTML) in the full document.
pub fn document(chrome: &Chrome<'_>, main: &str) -> String {
    let m = chrome.lang.messages();
    let mut out = String::with_capacity(main.len() + 4096);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light dark\">\
         <title>{title} · vigie</title>\
         <link rel=\"stylesheet\" href=\"/assets/style.css?v={ASSET_VERSION}\">\
         <link rel=\"alternate\" type=\"application/atom+xml\" title=\"{feed}\" href=\"/feed.atom\">\
         <script src=\"/assets/live.js?v={ASSET_VERSION}\" defer></script></head>",
        lang = chrome.lang.tag(),
        title = esc(chrome.title),
        feed = m.h("nav.feed"),
    );
    // Localised labels the live script needs, as data attributes on <body>.
    out.push_str("<body");
    for s in State::ALL {
        let _ = write!(
            out,
            " data-l-{}=\"{}\"",
            s.as_str().replace('_', "-"),
            esc(m.state(s))
        );
    }
    let _ = write!(
        out,
        " data-l-live=\"{}\" data-l-offline=\"{}\">",
        m.h("live.connected"),
        m.h("live.offline")
    );
    let _ = write!(
        out,
        "<a class=\"skip\" href=\"#main\">{skip}</a><header class=\"top\"><div class=\"wrap\">\
         <a class=\"brand\" href=\"/\">vigie</a><nav aria-label=\"{navl}\"><a href=\"/\">{overview}</a>\
         <a href=\"/feed.atom\">{feed}</a><a href=\"/api/v2/summary.json\">{api}</a></nav>\
         <nav class=\"lang\" aria-label=\"{langl}\">",
        skip = m.h("nav.skip"),
        navl = m.h("nav.label"),
        overview = m.h("nav.overview"),
        feed = m.h("nav.feed"),
        api = m.h("nav.api"),
        langl = m.h("nav.language"),
    );
    let path = url_path(chrome.path);
    for l in Lang::ALL {
        let name = m.h(&format!("lang.{}", l.tag()));
        if l == chrome.lang {
            let _ = write!(
                out,
                "<span aria-current=\"true\" lang=\"{}\">{name}</span>",
                l.tag()
            );
        } else {
            let _ = write!(
                out,
                "<a href=\"{}?lang={tag}\" hreflang=\"{tag}\" lang=\"{tag}\">{name}</a>",
                esc(&path),
                tag = l.tag()
            );
        }
    }
    let _ = write!(
        out,
        "</nav></div></header><main id=\"main\" class=\"wrap\" tabindex=\"-1\">{main}</main>\
         <footer class=\"wrap\"><p>{rendered} {now} · <span id=\"live-status\" role=\"status\">{nolive}</span></p>\
         <p>{about}</p></footer></body></html>",
        rendered = m.h("footer.rendered"),
        now = time_element(chrome.now),
        nolive = m.h("live.static"),
        about = m.h("footer.about"),
    );
    out
}

/// Re-encodes a request path for an `href` (only safe characters survive as they are).
fn url_path(path: &str) -> String {
    let segments: Vec<String> = path
        .split('/')
        .map(|s| url_segment(&percent_decode(s), false))
        .collect();
    let joined = segments.join("/");
    if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `<span class="state state-major_outage">Major outage</span>`, with `data-state` for the
/// live script.
pub fn state_label(state: State, m: &Messages) -> String {
    format!(
        "<span class=\"state state-{s}\" data-state=\"{s}\">{}</span>",
        esc(m.state(state)),
        s = state.as_str()
    )
}

/// How many affected services to name on a card before "and N more".
const CARD_NAMES: usize = 12;

/// The "incident history" section of a service or component page: every resolved incident
/// as a card, or a line saying there is none. `title_key` names the section's heading.
pub fn past_incidents_section(
    main: &mut String,
    title_key: &str,
    incidents: &[IncidentSummary],
    m: &Messages,
) {
    let _ = write!(
        main,
        "<section aria-labelledby=\"h-inc\"><h2 id=\"h-inc\">{}</h2>",
        m.h(title_key)
    );
    let past: Vec<_> = incidents.iter().filter(|i| !i.is_open()).collect();
    if past.is_empty() {
        let _ = write!(main, "<p>{}</p>", m.h("service.no_incidents"));
    }
    for inc in past {
        main.push_str(&incident_card(inc, m));
    }
    main.push_str("</section>");
}

/// The card of one incident: for component incidents the headline
/// "Fastly — 37 services affected — probable cause, confidence 0.97".
pub fn incident_card(inc: &IncidentSummary, m: &Messages) -> String {
    let mut out = String::new();
    let open = inc.is_open();
    let _ = write!(
        out,
        "<article class=\"incident sev-{sev}{closed}\" data-incident=\"{id}\"><h3><a href=\"{href}\">{subject}</a>",
        sev = inc.severity.as_str(),
        closed = if open { "" } else { " resolved" },
        id = inc.id,
        href = incident_href(inc.id),
        subject = esc(&inc.subject_name),
    );
    match inc.scope {
        Scope::Component => {
            let n = inc.services.len().to_string();
            let _ = write!(
                out,
                " — {}",
                m.hf(
                    if inc.services.len() == 1 {
                        "incident.affected_one"
                    } else {
                        "incident.affected"
                    },
                    &[("n", &n)]
                )
            );
            if let Some(c) = inc.confidence {
                let _ = write!(
                    out,
                    " — {}",
                    m.hf(
                        "incident.probable_cause",
                        &[("confidence", &m.decimal(c, 2))]
                    )
                );
            }
        }
        Scope::Service => {
            let _ = write!(out, " — {}", m.h("incident.service_scope"));
        }
    }
    out.push_str("</h3><p class=\"meta\">");
    if open {
        let _ = write!(
            out,
            "{} {}",
            m.h("incident.open_since"),
            time_element(inc.opened_at)
        );
    } else if let Some(r) = inc.resolved_at {
        let _ = write!(
            out,
            "{} {} → {}",
            m.h("incident.resolved"),
            time_element(inc.opened_at),
            time_element(r)
        );
    }
    if let Some(p) = inc.parent {
        let _ = write!(
            out,
            " · <a href=\"{}\">{}</a>",
            incident_href(p),
            m.hf("incident.explained_by", &[("id", &p.to_string())])
        );
    }
    out.push_str("</p>");
    if let Some(e) = inc.explanation.as_deref().filter(|e| !e.is_empty()) {
        let _ = write!(out, "<p class=\"explanation\">{}</p>", esc(e));
    }
    if inc.scope == Scope::Component && !inc.services.is_empty() {
        out.push_str("<ul class=\"affected\">");
        for (id, name) in inc.services.iter().take(CARD_NAMES) {
            let _ = write!(
                out,
                "<li><a href=\"{}\">{}</a></li>",
                esc(&service_href(id)),
                esc(name)
            );
        }
        if inc.services.len() > CARD_NAMES {
            let more = (inc.services.len() - CARD_NAMES).to_string();
            let _ = write!(
                out,
                "<li>{}</li>",
                m.hf("incident.and_more", &[("n", &more)])
            );
        }
        out.push_str("</ul>");
    }
    out.push_str("</article>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_has_lang_switch_and_escapes_title() {
        let chrome = Chrome {
            lang: Lang::Fr,
            title: "<script>alert(1)</script>",
            path: "/s/a\"b",
            now: Timestamp::from_secs(1_623_145_620),
        };
        let html = document(&chrome, "<p>x</p>");
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"fr\">"));
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; · vigie"));
        assert!(html.contains("href=\"/s/a%22b?lang=en\""), "{html}");
        assert!(html.contains("<time datetime=\"2021-06-08T09:47:00Z\">"));
    }

    #[test]
    fn percent_decoding_round_trips() {
        assert_eq!(url_path("/c/aws/us-east-1"), "/c/aws/us-east-1");
        assert_eq!(url_path("/s/a%20b"), "/s/a%20b");
        assert_eq!(url_path("/s/%"), "/s/%25");
        assert_eq!(url_path("/s/%zz"), "/s/%25zz");
    }
}
