//! The service page `/s/{id}`: state and why, the report form, reports against the expected
//! band, latency and availability, latency per vantage, each check's last result, recent
//! transitions, incidents and dependencies.

use std::fmt::Write;

use vigie_core::time::HOUR_MS;
use vigie_core::ReportKind;

use crate::web::html::{component_href, esc, service_href, time_element, url_segment};
use crate::web::i18n::{Lang, Messages};
use crate::web::svg;
use crate::web::view::{ReportFlash, ServiceView};

use super::layout::{document, incident_card, past_incidents_section, state_label, Chrome};

/// The form field carrying the anti-forgery token.
pub const CSRF_FIELD: &str = "csrf";

/// Where the report form posts.
pub fn report_action(service_id: &str) -> String {
    format!("/s/{}/report", url_segment(service_id, false))
}

pub fn render(view: &ServiceView, lang: Lang, path: &str) -> String {
    let m = lang.messages();
    let start = view.window_start;
    let hours = (view.now.millis_since(start) + HOUR_MS - 1) / HOUR_MS;
    let window_title = |base: &str| {
        if hours <= 1 {
            m.h(&format!("{base}_hour"))
        } else {
            m.hf(&format!("{base}_hours"), &[("n", &hours.to_string())])
        }
    };
    let mut main = String::new();
    let _ = write!(
        main,
        "<p class=\"crumbs\"><a href=\"/\">{}</a></p><div id=\"live-service\" data-live-region data-service=\"{}\">\
         <h1>{}</h1><p class=\"status-line\">{}",
        m.h("nav.overview"),
        esc(&view.id),
        esc(&view.name),
        state_label(view.state, &m)
    );
    if let Some(since) = view.since {
        let _ = write!(main, " {} {}", m.h("service.since"), time_element(since));
    }
    main.push_str("</p>");
    if !view.cause.is_empty() {
        let _ = write!(main, "<p class=\"cause\">{}</p>", esc(&view.cause));
    }
    let open: Vec<_> = view.incidents.iter().filter(|i| i.is_open()).collect();
    for inc in &open {
        main.push_str(&incident_card(inc, &m));
    }
    main.push_str("</div>");

    report_form(&mut main, view, &m);

    // Reports against the expected band.
    let _ = write!(
        main,
        "<section aria-labelledby=\"h-reports\"><h2 id=\"h-reports\">{}</h2><p>{}</p>",
        window_title("service.reports_title"),
        m.hf(
            "service.reports_total",
            &[("n", &view.reports_total.to_string())]
        )
    );
    main.push_str(&svg::report_chart(
        "chart-reports",
        &view.reports,
        start,
        view.now,
        &m,
    ));
    let _ = write!(main, "<p class=\"legend\"><span class=\"key bar\"></span>{} <span class=\"key band\"></span>{} <span class=\"key surge\"></span>{}</p>",
        m.h("chart.legend_reports"), m.h("chart.legend_band"), m.h("chart.legend_surge"));
    main.push_str("<div class=\"cols\">");
    let _ = write!(main, "<div><h3>{}</h3>", m.h("service.top_kinds"));
    if view.top_kinds.is_empty() {
        let _ = write!(main, "<p>{}</p>", m.h("service.none"));
    } else {
        main.push_str("<ol class=\"tops\">");
        for (kind, n) in &view.top_kinds {
            let _ = write!(
                main,
                "<li>{} <span class=\"n\">{n}</span></li>",
                esc(m.report_kind(*kind))
            );
        }
        main.push_str("</ol>");
    }
    let _ = write!(main, "</div><div><h3>{}</h3>", m.h("service.top_regions"));
    if view.top_regions.is_empty() {
        let _ = write!(main, "<p>{}</p>", m.h("service.none"));
    } else {
        main.push_str("<ol class=\"tops\">");
        for (region, n) in &view.top_regions {
            let _ = write!(
                main,
                "<li>{} <span class=\"n\">{n}</span></li>",
                esc(region)
            );
        }
        main.push_str("</ol>");
    }
    main.push_str("</div></div>");
    if !view.notes.is_empty() {
        let _ = write!(
            main,
            "<h3>{}</h3><ul class=\"notes\">",
            m.h("service.notes_title")
        );
        for n in &view.notes {
            let _ = write!(
                main,
                "<li><blockquote>{}</blockquote><p class=\"meta\">{} · {}{}</p></li>",
                esc(&n.note),
                esc(m.report_kind(n.kind)),
                time_element(n.at),
                n.region
                    .as_deref()
                    .map(|r| format!(" · {}", esc(r)))
                    .unwrap_or_default()
            );
        }
        main.push_str("</ul>");
    }
    main.push_str("</section>");

    // Probes.
    let _ = write!(
        main,
        "<section aria-labelledby=\"h-probes\"><h2 id=\"h-probes\">{}</h2>",
        window_title("service.probes_title")
    );
    main.push_str(&svg::probe_chart(
        "chart-probes",
        &view.probes,
        start,
        view.now,
        &m,
    ));
    let _ = write!(main, "<p class=\"legend\"><span class=\"key latency\"></span>{} <span class=\"key up\"></span>{} <span class=\"key down\"></span>{}</p>",
        m.h("chart.legend_latency"), m.h("chart.legend_up"), m.h("chart.legend_down"));
    if !view.vantages.is_empty() {
        let _ = write!(main, "<h3>{}</h3>", m.h("service.vantages_title"));
        main.push_str(&svg::vantage_chart(
            "chart-vantages",
            &view.vantages,
            start,
            view.now,
            &m,
        ));
        main.push_str("<ul class=\"legend\">");
        for (i, v) in view.vantages.iter().enumerate() {
            let last = v.buckets.iter().rev().find_map(|b| b.latency_ms);
            let _ = write!(
                main,
                "<li><span class=\"key series-{}\"></span>{} {}</li>",
                i % svg::PALETTE,
                esc(&v.vantage),
                last.map(|l| format!("{l:.0} ms"))
                    .unwrap_or_else(|| "—".into())
            );
        }
        main.push_str("</ul>");
    }
    checks_table(&mut main, view, &m);
    main.push_str("</section>");

    // Transitions.
    let _ = write!(
        main,
        "<section aria-labelledby=\"h-trans\"><h2 id=\"h-trans\">{}</h2>",
        m.h("service.transitions_title")
    );
    if view.transitions.is_empty() {
        let _ = write!(main, "<p>{}</p>", m.h("service.no_transitions"));
    } else {
        let _ = write!(
            main,
            "<table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            m.h("col.time"), m.h("col.change"), m.h("col.cause")
        );
        for t in &view.transitions {
            let _ = write!(
                main,
                "<tr><td>{}</td><td>{} → {}</td><td>{}</td></tr>",
                time_element(t.at),
                state_label(t.from, &m),
                state_label(t.to, &m),
                esc(&t.cause)
            );
        }
        main.push_str("</tbody></table>");
    }
    main.push_str("</section>");

    // Incident history.
    past_incidents_section(&mut main, "service.incidents_title", &view.incidents, &m);

    // Dependencies.
    let _ = write!(
        main,
        "<section aria-labelledby=\"h-deps\"><h2 id=\"h-deps\">{}</h2>",
        m.h("service.depends_title")
    );
    if view.depends_on.is_empty() {
        let _ = write!(main, "<p>{}</p>", m.h("service.no_dependencies"));
    } else {
        main.push_str("<ul class=\"deps\">");
        for d in &view.depends_on {
            let href = if d.is_service {
                service_href(&d.target)
            } else {
                component_href(&d.target)
            };
            let _ = write!(
                main,
                "<li><a href=\"{}\">{}</a> {} <span class=\"meta\">{}</span></li>",
                esc(&href),
                esc(&d.target_name),
                state_label(d.state, &m),
                m.hf(
                    "service.dependency_meta",
                    &[
                        ("origin", d.origin.as_str()),
                        ("confidence", &m.decimal(d.confidence, 2)),
                    ]
                )
            );
        }
        main.push_str("</ul>");
    }
    main.push_str("</section>");

    let chrome = Chrome {
        lang,
        title: &view.name,
        path,
        now: view.now,
    };
    document(&chrome, &main)
}

fn report_form(main: &mut String, view: &ServiceView, m: &Messages) {
    let _ = write!(
        main,
        "<section id=\"report\" class=\"report\" aria-labelledby=\"h-report\"><h2 id=\"h-report\">{}</h2>",
        m.hf("report.title", &[("name", &view.name)])
    );
    if let Some(flash) = view.flash {
        let (class, key) = match flash {
            ReportFlash::Accepted => ("ok", "report.accepted"),
            ReportFlash::Duplicate => ("ok", "report.duplicate"),
            ReportFlash::Invalid => ("err", "report.invalid"),
            ReportFlash::RateLimited => ("err", "report.rate_limited"),
            ReportFlash::Expired => ("err", "report.expired"),
            ReportFlash::Unavailable => ("err", "report.unavailable"),
        };
        let _ = write!(
            main,
            "<p class=\"flash {class}\" role=\"status\">{}</p>",
            m.h(key)
        );
    }
    let _ = write!(
        main,
        "<form method=\"post\" action=\"{action}\" class=\"report-form\">\
         <input type=\"hidden\" name=\"{CSRF_FIELD}\" value=\"{token}\">\
         <fieldset><legend>{legend}</legend><div class=\"kinds\">",
        action = esc(&report_action(&view.id)),
        token = esc(&view.csrf_token),
        legend = m.h("report.legend"),
    );
    for kind in ReportKind::ALL {
        let _ = write!(
            main,
            "<button type=\"submit\" name=\"kind\" value=\"{}\">{}</button>",
            kind.as_str(),
            esc(m.report_kind(kind))
        );
    }
    let _ = write!(
        main,
        "</div></fieldset><details><summary>{more}</summary>\
         <p><label for=\"report-region\">{region}</label> \
         <input id=\"report-region\" name=\"region\" maxlength=\"2\" size=\"3\" pattern=\"[A-Za-z]{{2}}\" autocomplete=\"country\" aria-describedby=\"report-region-help\"> \
         <span id=\"report-region-help\" class=\"help\">{region_help}</span></p>\
         <p><label for=\"report-note\">{note}</label><br>\
         <textarea id=\"report-note\" name=\"note\" maxlength=\"280\" rows=\"2\"></textarea></p>\
         <p class=\"help\">{note_help}</p></details></form>\
         <p class=\"help\">{privacy}</p></section>",
        more = m.h("report.more"),
        region = m.h("report.region"),
        region_help = m.h("report.region_help"),
        note = m.h("report.note"),
        note_help = m.h("report.note_help"),
        privacy = m.h("report.privacy"),
    );
}

fn checks_table(main: &mut String, view: &ServiceView, m: &Messages) {
    let _ = write!(main, "<h3>{}</h3>", m.h("service.checks_title"));
    if view.checks.is_empty() {
        let _ = write!(main, "<p>{}</p>", m.h("service.no_checks"));
        return;
    }
    let _ = write!(
        main,
        "<table class=\"checks\"><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        m.h("col.check"), m.h("col.target"), m.h("col.vantage"), m.h("col.result"), m.h("col.latency"), m.h("col.time")
    );
    for c in &view.checks {
        let result = match (c.ok, c.error) {
            (None, _) => format!(
                "<span class=\"state state-unknown\">{}</span>",
                m.h("check.pending")
            ),
            (Some(true), _) => format!(
                "<span class=\"state state-operational\">{}</span>",
                m.h("check.ok")
            ),
            (Some(false), err) => format!(
                "<span class=\"state state-major_outage\">{}</span>",
                esc(&match err {
                    Some(e) => m.fmt("check.failed_with", &[("error", e.as_str())]),
                    None => m.get("check.failed").to_string(),
                })
            ),
        };
        let detail = if c.detail.is_empty() {
            String::new()
        } else {
            format!(" <span class=\"meta\">{}</span>", esc(&c.detail))
        };
        let _ = write!(
            main,
            "<tr><td>{} <span class=\"meta\">{}</span></td><td class=\"target\">{}</td><td>{}</td><td>{result}{detail}</td><td>{}</td><td>{}</td></tr>",
            esc(&c.check),
            esc(&c.kind),
            esc(&c.target),
            esc(&c.vantage),
            c.latency_ms.map(|l| format!("{l:.0} ms")).unwrap_or_else(|| "—".into()),
            c.at.map(time_element).unwrap_or_else(|| "—".into()),
        );
    }
    main.push_str("</tbody></table>");
}
