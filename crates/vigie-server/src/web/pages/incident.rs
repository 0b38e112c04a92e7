//! The incident page `/incidents/{id}`: what is affected, the probable cause with its
//! confidence and explanation, and the timeline.

use std::fmt::Write;

use vigie_core::Scope;

use crate::web::html::{
    component_href, duration_text, esc, incident_href, service_href, time_element,
};
use crate::web::i18n::Lang;
use crate::web::view::IncidentView;

use super::layout::{document, state_label, Chrome};

/// The page title: "Fastly — probable cause" or "Reddit — service incident".
pub fn title(view: &IncidentView, lang: Lang) -> String {
    let m = lang.messages();
    let key = match view.summary.scope {
        Scope::Component => "incident.title_component",
        Scope::Service => "incident.title_service",
    };
    m.fmt(
        key,
        &[
            ("name", &view.summary.subject_name),
            ("id", &view.summary.id.to_string()),
        ],
    )
}

pub fn render(view: &IncidentView, lang: Lang, path: &str) -> String {
    let m = lang.messages();
    let s = &view.summary;
    let title = title(view, lang);
    let mut main = String::new();
    let _ = write!(
        main,
        "<p class=\"crumbs\"><a href=\"/\">{}</a></p>",
        m.h("nav.overview")
    );
    let _ = write!(
        main,
        "<div id=\"live-incident\" data-live-region data-incident=\"{}\"><h1>{}</h1>",
        s.id,
        esc(&title)
    );
    let subject_href = match s.scope {
        Scope::Component => component_href(&s.subject),
        Scope::Service => service_href(&s.subject),
    };
    main.push_str("<dl class=\"facts\">");
    let _ = write!(
        main,
        "<dt>{}</dt><dd>{}</dd>",
        m.h("incident.status"),
        if s.is_open() {
            format!(
                "<span class=\"state state-{}\">{}</span>",
                s.severity.as_str(),
                m.h("incident.status_open")
            )
        } else {
            format!(
                "<span class=\"state state-operational\">{}</span>",
                m.h("incident.status_resolved")
            )
        }
    );
    let _ = write!(
        main,
        "<dt>{}</dt><dd><a href=\"{}\">{}</a></dd>",
        m.h(match s.scope {
            Scope::Component => "incident.probable_cause_label",
            Scope::Service => "col.service",
        }),
        esc(&subject_href),
        esc(&s.subject_name)
    );
    if let Some(c) = s.confidence {
        let _ = write!(
            main,
            "<dt>{}</dt><dd><meter min=\"0\" max=\"1\" value=\"{c:.2}\">{pct}</meter> {pct}</dd>",
            m.h("col.confidence"),
            pct = esc(&m.decimal(c, 2))
        );
    }
    let _ = write!(
        main,
        "<dt>{}</dt><dd>{}</dd>",
        m.h("incident.opened"),
        time_element(s.opened_at)
    );
    let end = s.resolved_at.unwrap_or(view.now);
    if let Some(r) = s.resolved_at {
        let _ = write!(
            main,
            "<dt>{}</dt><dd>{}</dd>",
            m.h("incident.resolved_at"),
            time_element(r)
        );
    }
    let _ = write!(
        main,
        "<dt>{}</dt><dd>{}</dd>",
        m.h("incident.duration"),
        esc(&duration_text(end.millis_since(s.opened_at)))
    );
    if let Some(o) = &view.official {
        let _ = write!(
            main,
            "<dt>{}</dt><dd><span class=\"official official-{}\">{}</span> <span class=\"meta\">{} · {}</span></dd>",
            m.h("component.official_status"),
            o.status.as_str(),
            esc(m.official(o.status)),
            esc(&o.source),
            time_element(o.at)
        );
    }
    if let Some(p) = s.parent {
        let _ = write!(
            main,
            "<dt>{}</dt><dd><a href=\"{}\">{}</a></dd>",
            m.h("incident.parent"),
            incident_href(p),
            m.hf("incident.explained_by", &[("id", &p.to_string())])
        );
    }
    main.push_str("</dl>");
    if let Some(e) = s.explanation.as_deref().filter(|e| !e.is_empty()) {
        let _ = write!(
            main,
            "<section aria-labelledby=\"h-why\"><h2 id=\"h-why\">{}</h2><p class=\"explanation\">{}</p></section>",
            m.h("incident.explanation"),
            esc(e)
        );
    }
    if !view.services.is_empty() {
        let _ = write!(
            main,
            "<section aria-labelledby=\"h-aff\"><h2 id=\"h-aff\">{}</h2><table class=\"services\"><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            m.hf("incident.affected_title", &[("n", &view.services.len().to_string())]),
            m.h("col.service"), m.h("col.state"), m.h("col.since")
        );
        for r in &view.services {
            let _ = write!(
                main,
                "<tr data-service=\"{}\"><th scope=\"row\"><a href=\"{}\">{}</a></th><td>{}</td><td>{}</td></tr>",
                esc(&r.id),
                esc(&service_href(&r.id)),
                esc(&r.name),
                state_label(r.state, &m),
                r.since.map(time_element).unwrap_or_else(|| "—".into())
            );
        }
        main.push_str("</tbody></table></section>");
    }
    let _ = write!(
        main,
        "<section aria-labelledby=\"h-tl\"><h2 id=\"h-tl\">{}</h2><ol class=\"timeline\">",
        m.h("incident.timeline")
    );
    for e in &view.timeline {
        let _ = write!(
            main,
            "<li class=\"tl-{}\">{} <strong>{}</strong>{}</li>",
            e.kind.key(),
            time_element(e.at),
            m.h(&format!("timeline.{}", e.kind.key())),
            if e.text.is_empty() {
                String::new()
            } else {
                format!(" — {}", esc(&e.text))
            }
        );
    }
    main.push_str("</ol></section>");
    if !view.children.is_empty() {
        let _ = write!(main, "<section><h2>{}</h2><ul>", m.h("incident.children"));
        for c in &view.children {
            let _ = write!(main, "<li><a href=\"{}\">#{c}</a></li>", incident_href(*c));
        }
        main.push_str("</ul></section>");
    }
    main.push_str("</div>");
    let chrome = Chrome {
        lang,
        title: &title,
        path,
        now: view.now,
    };
    document(&chrome, &main)
}
