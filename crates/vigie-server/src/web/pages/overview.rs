//! The overview page `/`: open component incidents first, then unexplained service
//! incidents, then every service by state with a filter box (server-side `?q=`, refined
//! as you type by the page script).

use std::fmt::Write;

use crate::web::html::{esc, service_href, time_element};
use crate::web::i18n::Lang;
use crate::web::view::{OverviewView, ServiceRow};

use super::layout::{document, incident_card, state_label, Chrome};

/// Does the row match a filter (case-insensitive substring of id or name)?
pub fn matches_filter(row: &ServiceRow, filter: &str) -> bool {
    let f = filter.trim().to_lowercase();
    f.is_empty() || row.name.to_lowercase().contains(&f) || row.id.to_lowercase().contains(&f)
}

/// Services in display order: worst state first, then by name.
pub fn sorted_services(rows: &[ServiceRow]) -> Vec<&ServiceRow> {
    let mut v: Vec<&ServiceRow> = rows.iter().collect();
    v.sort_by(|a, b| {
        b.state
            .severity()
            .cmp(&a.state.severity())
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
            .then_with(|| a.id.cmp(&b.id))
    });
    v
}

pub fn render(view: &OverviewView, lang: Lang, path: &str) -> String {
    let m = lang.messages();
    let mut main = String::new();
    let impaired = view
        .services
        .iter()
        .filter(|s| s.state.is_impaired())
        .count();
    let _ = write!(main, "<h1>{}</h1>", m.h("overview.title"));
    let headline = if view.services.is_empty() {
        m.h("overview.no_services")
    } else if impaired == 0 && view.component_incidents.is_empty() {
        m.h("overview.all_operational")
    } else {
        m.hf(
            "overview.impaired",
            &[
                ("n", &impaired.to_string()),
                ("total", &view.services.len().to_string()),
            ],
        )
    };
    let _ = write!(
        main,
        "<div id=\"live-incidents\" data-live-region aria-live=\"polite\"><p class=\"headline{}\">{headline}</p>",
        if impaired > 0 { " bad" } else { " good" }
    );
    if !view.component_incidents.is_empty() {
        let _ = write!(
            main,
            "<section aria-labelledby=\"h-causes\"><h2 id=\"h-causes\">{}</h2>",
            m.h("overview.component_incidents")
        );
        for inc in &view.component_incidents {
            main.push_str(&incident_card(inc, &m));
        }
        main.push_str("</section>");
    }
    if !view.service_incidents.is_empty() {
        let _ = write!(
            main,
            "<section aria-labelledby=\"h-svc-inc\"><h2 id=\"h-svc-inc\">{}</h2>",
            m.h("overview.service_incidents")
        );
        for inc in &view.service_incidents {
            main.push_str(&incident_card(inc, &m));
        }
        main.push_str("</section>");
    }
    main.push_str("</div>");

    let _ = write!(
        main,
        "<section aria-labelledby=\"h-services\"><h2 id=\"h-services\">{title}</h2>\
         <form class=\"filter\" method=\"get\" action=\"/\" role=\"search\">\
         <label for=\"q\">{label}</label>\
         <input type=\"search\" id=\"q\" name=\"q\" value=\"{value}\" autocomplete=\"off\" maxlength=\"100\" data-filter=\"#services\">\
         <button type=\"submit\">{button}</button></form>",
        title = m.h("overview.services"),
        label = m.h("overview.filter_label"),
        value = esc(&view.filter),
        button = m.h("overview.filter_button"),
    );
    let rows: Vec<&ServiceRow> = sorted_services(&view.services)
        .into_iter()
        .filter(|r| matches_filter(r, &view.filter))
        .collect();
    main.push_str("<div id=\"live-services\" data-live-region>");
    if rows.is_empty() {
        let _ = write!(main, "<p>{}</p>", m.h("overview.no_match"));
    }
    let _ = write!(
        main,
        "<table id=\"services\" class=\"services\"><caption class=\"sr\">{cap}</caption><thead><tr>\
         <th scope=\"col\">{c1}</th><th scope=\"col\">{c2}</th><th scope=\"col\">{c3}</th></tr></thead><tbody>",
        cap = m.h("overview.services"),
        c1 = m.h("col.service"),
        c2 = m.h("col.state"),
        c3 = m.h("col.since"),
    );
    for r in rows {
        let since = r.since.map(time_element).unwrap_or_else(|| "—".to_string());
        let _ = write!(
            main,
            "<tr data-service=\"{id}\" data-name=\"{lname}\"><th scope=\"row\"><a href=\"{href}\">{name}</a></th>\
             <td>{state}</td><td class=\"since\">{since}</td></tr>",
            id = esc(&r.id),
            lname = esc(&format!("{} {}", r.name.to_lowercase(), r.id.to_lowercase())),
            href = esc(&service_href(&r.id)),
            name = esc(&r.name),
            state = state_label(r.state, &m),
        );
    }
    main.push_str("</tbody></table></div></section>");
    let chrome = Chrome {
        lang,
        title: m.get("overview.title"),
        path,
        now: view.now,
    };
    document(&chrome, &main)
}
