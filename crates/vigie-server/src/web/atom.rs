//! The Atom feed of incidents `/feed.atom` (RFC 4287): one entry per incident, newest
//! change first; an entry's `updated` moves when the incident changes, so readers show it
//! again, as Statuspage's own history feeds do.

use std::fmt::Write;

use vigie_core::{Scope, Timestamp};

use super::html::{esc, incident_href};
use super::i18n::Messages;
use super::view::IncidentSummary;

/// One feed entry: the incident and the time of its latest change.
#[derive(Clone, Debug, PartialEq)]
pub struct FeedEntry {
    pub incident: IncidentSummary,
    pub updated: Timestamp,
}

/// Renders the feed. `base_url` is the absolute origin (`http://host:port`, no trailing
/// slash) used for links and ids; `now` is the feed's `updated` when there is no entry.
pub fn render(base_url: &str, entries: &[FeedEntry], now: Timestamp, m: &Messages) -> String {
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or(now);
    let base = base_url.trim_end_matches('/');
    let mut out = String::new();
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{lang}\">\
         <id>{base}/feed.atom</id><title>{title}</title><updated>{updated}</updated>\
         <link rel=\"self\" type=\"application/atom+xml\" href=\"{base}/feed.atom\"/>\
         <link rel=\"alternate\" type=\"text/html\" href=\"{base}/\"/><generator>vigie</generator>",
        lang = m.lang.tag(),
        base = esc(base),
        title = m.h("feed.title"),
        updated = updated.to_rfc3339(),
    );
    for e in entries {
        let inc = &e.incident;
        let mut title = match inc.scope {
            Scope::Component => m.fmt(
                "feed.component_entry",
                &[
                    ("name", &inc.subject_name),
                    ("n", &inc.services.len().to_string()),
                ],
            ),
            Scope::Service => m.fmt("feed.service_entry", &[("name", &inc.subject_name)]),
        };
        if !inc.is_open() {
            title.push(' ');
            title.push_str(m.get("feed.resolved_suffix"));
        }
        let mut summary = String::new();
        if let Some(c) = inc.confidence {
            summary.push_str(&m.fmt(
                "incident.probable_cause",
                &[("confidence", &m.decimal(c, 2))],
            ));
            summary.push_str(". ");
        }
        if let Some(x) = inc.explanation.as_deref() {
            summary.push_str(x);
        }
        if !inc.services.is_empty() {
            let names: Vec<&str> = inc.services.iter().map(|(_, n)| n.as_str()).collect();
            summary.push_str(&format!(" [{}]", names.join(", ")));
        }
        let href = format!("{base}{}", incident_href(inc.id));
        let _ = write!(
            out,
            "<entry><id>{href}</id><title>{title}</title><updated>{updated}</updated><published>{published}</published>\
             <link rel=\"alternate\" type=\"text/html\" href=\"{href}\"/><summary>{summary}</summary></entry>",
            href = esc(&href),
            title = esc(&title),
            updated = e.updated.to_rfc3339(),
            published = inc.opened_at.to_rfc3339(),
            summary = esc(summary.trim()),
        );
    }
    out.push_str("</feed>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::Lang;
    use vigie_core::State;

    fn inc(id: u64, name: &str) -> IncidentSummary {
        IncidentSummary {
            id,
            scope: Scope::Component,
            subject: "fastly".into(),
            subject_name: name.into(),
            opened_at: Timestamp::from_secs(1_623_145_620),
            resolved_at: None,
            confidence: Some(0.97),
            services: vec![("reddit".into(), "Reddit".into())],
            severity: State::MajorOutage,
            explanation: Some("37 of 41 dependents impaired".into()),
            parent: None,
        }
    }

    #[test]
    fn feed_is_atom_with_escaped_text() {
        let m = Lang::En.messages();
        let entries = vec![FeedEntry {
            incident: inc(7, "<Fastly & co>"),
            updated: Timestamp::from_secs(1_623_146_000),
        }];
        let xml = render(
            "http://127.0.0.1:8080/",
            &entries,
            Timestamp::from_secs(0),
            &m,
        );
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\""));
        assert!(xml.contains("<id>http://127.0.0.1:8080/incidents/7</id>"));
        assert!(xml.contains("&lt;Fastly &amp; co&gt;: probable cause of problems with 1 services"));
        assert!(xml.contains("<updated>2021-06-08T09:53:20Z</updated>"));
        assert!(!xml.contains("<Fastly"));
        assert_eq!(xml.matches("<entry>").count(), 1);
    }

    #[test]
    fn empty_feed_uses_now() {
        let m = Lang::Fr.messages();
        let xml = render("http://x", &[], Timestamp::from_secs(1_623_145_620), &m);
        assert!(xml.contains("<updated>2021-06-08T09:47:00Z</updated>"));
        assert!(xml.contains("xml:lang=\"fr\""));
        assert!(xml.ends_with("</feed>"));
    }
}
