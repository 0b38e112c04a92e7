//! Languages and message catalogues.
//!
//! Every word a page shows comes from `i18n/en.toml` or `i18n/fr.toml`, compiled into the
//! binary. Catalogues are flat `key = "text"` files (tables become dotted keys) with `{name}`
//! placeholders. The language is chosen from `?lang=`, then the `vigie_lang` cookie, then
//! `Accept-Language` (with its q-values), then English.

use std::collections::HashMap;
use std::sync::OnceLock;

/// A language the pages are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Fr,
}

/// The cookie that remembers an explicit choice.
pub const LANG_COOKIE: &str = "vigie_lang";

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// The BCP 47 tag, as written in `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// `en`, `fr`, `fr-CA`, `FR` … → the language; anything else → `None`.
    pub fn parse(text: &str) -> Option<Lang> {
        let primary = text.trim().split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else if primary.eq_ignore_ascii_case("fr") {
            Some(Lang::Fr)
        } else {
            None
        }
    }

    /// The best language for an `Accept-Language` header: the supported tag with the
    /// highest q-value (earlier wins ties); `None` when nothing supported is named.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(Lang, f32)> = None;
        // A header is short; bound the work on a hostile one anyway.
        for item in header.split(',').take(32) {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let mut q = 1.0f32;
            for p in parts {
                if let Some(v) = p.trim().strip_prefix("q=") {
                    q = v.trim().parse().unwrap_or(0.0);
                }
            }
            if q.is_nan() || q <= 0.0 {
                continue;
            }
            if let Some(lang) = Lang::parse(tag) {
                if best.is_none_or(|(_, bq)| q > bq) {
                    best = Some((lang, q));
                }
            }
        }
        best.map(|(l, _)| l)
    }

    /// Query parameter first, then cookie, then `Accept-Language`, then English.
    pub fn negotiate(query: Option<&str>, cookie: Option<&str>, accept: Option<&str>) -> Lang {
        query
            .and_then(Lang::parse)
            .or_else(|| cookie.and_then(Lang::parse))
            .or_else(|| accept.and_then(Lang::from_accept_language))
            .unwrap_or(Lang::En)
    }

    pub fn messages(self) -> Messages {
        Messages { lang: self }
    }
}

const EN_SOURCE: &str = include_str!("i18n/en.toml");
const FR_SOURCE: &str = include_str!("i18n/fr.toml");

/// Parses one catalogue into dotted keys. Errors name the key (or TOML's own location).
pub fn parse_catalogue(source: &str) -> Result<HashMap<String, String>, String> {
    let table: toml::Table = source.parse().map_err(|e| format!("{e}"))?;
    let mut out = HashMap::new();
    flatten("", &table, &mut out)?;
    Ok(out)
}

fn flatten(
    prefix: &str,
    table: &toml::Table,
    out: &mut HashMap<String, String>,
) -> Result<(), String> {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            toml::Value::Table(t) => flatten(&key, t, out)?,
            other => {
                return Err(format!(
                    "key {key}: expected a string, found {}",
                    other.type_str()
                ))
            }
        }
    }
    Ok(())
}

fn catalogue(lang: Lang) -> &'static HashMap<String, String> {
    static EN: OnceLock<HashMap<String, String>> = OnceLock::new();
    static FR: OnceLock<HashMap<String, String>> = OnceLock::new();
    let (cell, source) = match lang {
        Lang::En => (&EN, EN_SOURCE),
        Lang::Fr => (&FR, FR_SOURCE),
    };
    cell.get_or_init(|| {
        // The catalogues are part of the source tree and a test parses both, so a failure
        // here is a build defect; degrade to showing keys rather than panicking a server.
        parse_catalogue(source).unwrap_or_else(|e| {
            tracing::error!(lang = lang.tag(), error = %e, "message catalogue does not parse");
            HashMap::new()
        })
    })
}

/// The messages of one language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Messages {
    pub lang: Lang,
}

impl Messages {
    /// The raw (unescaped) text of `key`; English when missing, the key itself as last resort.
    pub fn get(&self, key: &str) -> &'static str {
        if let Some(s) = catalogue(self.lang).get(key) {
            return s.as_str();
        }
        if let Some(s) = catalogue(Lang::En).get(key) {
            return s.as_str();
        }
        tracing::warn!(key, "missing message");
        // Leak-free fallback: keys are static strings at every call site in practice, but
        // the signature takes any &str, so return a fixed marker instead.
        "??"
    }

    /// The raw text with `{name}` placeholders replaced by `args` (unescaped).
    pub fn fmt(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut text = self.get(key).to_string();
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// [`Messages::get`] escaped for HTML.
    pub fn h(&self, key: &str) -> String {
        super::html::escape(self.get(key))
    }

    /// [`Messages::fmt`] escaped for HTML (arguments included: they are often user data).
    pub fn hf(&self, key: &str, args: &[(&str, &str)]) -> String {
        super::html::escape(&self.fmt(key, args))
    }

    /// A decimal with `places` digits and the language's separator (`0.97`, `0,97`).
    pub fn decimal(&self, value: f64, places: usize) -> String {
        let text = format!("{value:.places$}");
        match self.lang {
            Lang::En => text,
            Lang::Fr => text.replace('.', ","),
        }
    }

    /// The label of a service state.
    pub fn state(&self, state: vigie_core::State) -> &'static str {
        self.get(&format!("state.{}", state.as_str()))
    }

    /// The label of a report kind.
    pub fn report_kind(&self, kind: vigie_core::ReportKind) -> &'static str {
        self.get(&format!("kind.{}", kind.as_str()))
    }

    /// The label of an official status.
    pub fn official(&self, status: vigie_core::OfficialStatus) -> &'static str {
        self.get(&format!("official.{}", status.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn both_catalogues_parse_and_have_the_same_keys() {
        let en = parse_catalogue(EN_SOURCE).expect("en.toml parses");
        let fr = parse_catalogue(FR_SOURCE).expect("fr.toml parses");
        let en_keys: BTreeSet<_> = en.keys().collect();
        let fr_keys: BTreeSet<_> = fr.keys().collect();
        let only_en: Vec<_> = en_keys.difference(&fr_keys).collect();
        let only_fr: Vec<_> = fr_keys.difference(&en_keys).collect();
        assert!(only_en.is_empty(), "keys missing from fr.toml: {only_en:?}");
        assert!(only_fr.is_empty(), "keys missing from en.toml: {only_fr:?}");
        assert!(en.len() > 50, "suspiciously small catalogue: {}", en.len());
    }

    #[test]
    fn placeholders_match_between_languages() {
        let en = parse_catalogue(EN_SOURCE).unwrap();
        let fr = parse_catalogue(FR_SOURCE).unwrap();
        let holes = |s: &str| -> BTreeSet<String> {
            s.split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(h, _)| h.to_string()))
                .collect()
        };
        for (k, v) in &en {
            assert_eq!(holes(v), holes(&fr[k]), "placeholders differ for {k}");
        }
    }

    #[test]
    fn every_state_kind_and_official_status_has_a_label() {
        for lang in Lang::ALL {
            let m = lang.messages();
            for s in vigie_core::State::ALL {
                assert_ne!(m.state(s), "??", "{lang:?} {s:?}");
            }
            for k in vigie_core::ReportKind::ALL {
                assert_ne!(m.report_kind(k), "??", "{lang:?} {k:?}");
            }
            use vigie_core::OfficialStatus::*;
            for o in [
                Operational,
                Degraded,
                PartialOutage,
                MajorOutage,
                Maintenance,
            ] {
                assert_ne!(m.official(o), "??", "{lang:?} {o:?}");
            }
        }
    }

    #[test]
    fn malformed_catalogue_names_the_key() {
        let e = parse_catalogue("[state]\noperational = 3\n").unwrap_err();
        assert!(e.contains("state.operational"), "{e}");
        assert!(parse_catalogue("a = \"unterminated").is_err());
    }

    #[test]
    fn negotiation_order_and_q_values() {
        assert_eq!(
            Lang::negotiate(Some("fr"), Some("en"), Some("en")),
            Lang::Fr
        );
        assert_eq!(Lang::negotiate(Some("de"), Some("fr"), None), Lang::Fr);
        assert_eq!(
            Lang::negotiate(None, None, Some("fr-CA,fr;q=0.9,en;q=0.8")),
            Lang::Fr
        );
        assert_eq!(
            Lang::negotiate(None, None, Some("de-DE,en;q=0.5,fr;q=0.7")),
            Lang::Fr
        );
        assert_eq!(Lang::negotiate(None, None, Some("fr;q=0,en")), Lang::En);
        assert_eq!(Lang::negotiate(None, None, Some("de, ja")), Lang::En);
        assert_eq!(Lang::negotiate(None, None, Some("")), Lang::En);
        assert_eq!(Lang::negotiate(None, None, None), Lang::En);
    }

    #[test]
    fn formatting_escapes_arguments_and_localises_decimals() {
        let m = Lang::En.messages();
        let out = m.hf("incident.affected", &[("n", "<b>37</b>")]);
        assert!(out.contains("&lt;b&gt;37&lt;/b&gt;"), "{out}");
        assert_eq!(Lang::Fr.messages().decimal(0.9712, 2), "0,97");
        assert_eq!(Lang::En.messages().decimal(0.9712, 2), "0.97");
    }
}
