//! The component page `/c/{component}`: vigie's verdict beside the official status, the
//! blast radius (every dependent, direct or transitive, with its state) and incident history.

use std::fmt::Write;

use crate::web::html::{component_href, esc, service_href, time_element};
use crate::web::i18n::Lang;
use crate::web::view::ComponentView;

use super::layout::{document, incident_card, past_incidents_section, state_label, Chrome};

pub fn render(view: &ComponentView, lang: Lang, path: &str) -> String {
    let m = lang.messages();
    let mut main = String::new();
    main.push_str("<p class=\"crumbs\">");
    let _ = write!(main, "<a href=\"/\">{}</a>", m.h("nav.overview"));
    for (id, name) in &view.ancestors {
        let _ = write!(
            main,
            " › <a href=\"{}\">{}</a>",
            esc(&component_href(id)),
            esc(name)
        );
    }
    main.push_str("</p>");
    let _ = write!(
        main,
        "<div id=\"live-component\" data-live-region><h1>{} <span class=\"kind\">{}</span></h1>",
        esc(&view.name),
        m.h(&format!("component_kind.{}", view.kind.as_str()))
    );
    // The two verdicts side by side.
    let _ = write!(
        main,
        "<div class=\"verdicts\"><div class=\"verdict\"><h2>{}</h2><p>{}</p></div><div class=\"verdict\"><h2>{}</h2>",
        m.h("component.vigie_verdict"),
        state_label(view.state, &m),
        m.h("component.official_status"),
    );
    match &view.official {
        Some(o) => {
            let _ = write!(
                main,
                "<p><span class=\"official official-{s}\">{}</span></p><p class=\"meta\">{} · {}</p>",
                esc(m.official(o.status)),
                esc(&o.source),
                time_element(o.at),
                s = o.status.as_str()
            );
        }
        None => {
            let _ = write!(
                main,
                "<p class=\"meta\">{}</p>",
                m.h("component.no_official")
            );
        }
    }
    main.push_str("</div></div>");
    for inc in view.incidents.iter().filter(|i| i.is_open()) {
        main.push_str(&incident_card(inc, &m));
    }

    let impaired = view
        .dependents
        .iter()
        .filter(|d| d.state.is_impaired())
        .count();
    let direct = view.dependents.iter().filter(|d| d.direct).count();
    let _ = write!(
        main,
        "<section aria-labelledby=\"h-blast\"><h2 id=\"h-blast\">{}</h2><p>{}</p>",
        m.h("component.blast_radius"),
        m.hf(
            "component.blast_summary",
            &[
                ("n", &view.dependents.len().to_string()),
                ("direct", &direct.to_string()),
                ("impaired", &impaired.to_string()),
            ]
        )
    );
    if !view.dependents.is_empty() {
        let _ = write!(
            main,
            "<table class=\"services\"><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            m.h("col.service"), m.h("col.state"), m.h("col.path"), m.h("col.confidence")
        );
        let mut deps: Vec<_> = view.dependents.iter().collect();
        deps.sort_by(|a, b| {
            b.state
                .severity()
                .cmp(&a.state.severity())
                .then_with(|| a.name.cmp(&b.name))
        });
        for d in deps {
            let _ = write!(
                main,
                "<tr data-service=\"{id}\"><th scope=\"row\"><a href=\"{href}\">{name}</a></th><td>{state}</td><td>{path}</td><td>{conf}</td></tr>",
                id = esc(&d.id),
                href = esc(&service_href(&d.id)),
                name = esc(&d.name),
                state = state_label(d.state, &m),
                path = if d.direct {
                    m.hf("component.direct", &[("origin", d.origin.as_str())])
                } else {
                    m.h("component.transitive")
                },
                conf = esc(&m.decimal(d.confidence, 2)),
            );
        }
        main.push_str("</tbody></table>");
    }
    main.push_str("</section></div>");

    if !view.children.is_empty() {
        let _ = write!(
            main,
            "<section aria-labelledby=\"h-children\"><h2 id=\"h-children\">{}</h2><ul>",
            m.h("component.children")
        );
        for (id, name) in &view.children {
            let _ = write!(
                main,
                "<li><a href=\"{}\">{}</a></li>",
                esc(&component_href(id)),
                esc(name)
            );
        }
        main.push_str("</ul></section>");
    }

    past_incidents_section(&mut main, "component.incidents_title", &view.incidents, &m);
    let chrome = Chrome {
        lang,
        title: &view.name,
        path,
        now: view.now,
    };
    document(&chrome, &main)
}
