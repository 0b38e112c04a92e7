//! The provider catalogue: every component vigie knows (with parents), the fingerprint rules
//! that point to them, and the IP table built from the providers' lists.
//!
//! Built from `catalog/components.toml` (raw form in [`raw`], checked here) and the files in
//! `catalog/providers/` (see [`crate::providers`]). [`Catalog::shipped`] uses the copies
//! compiled into the crate; [`Catalog::from_dir`] reads a refreshed directory at run time.

mod raw;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use vigie_core::{component_parent, ComponentKind, ComponentSpec};

use crate::fingerprint::{
    validate_header_name, validate_weight, HeaderRule, NamePattern, NameRule, TlsRule, ValueMatch,
};
use crate::iptable::{IpTable, RangeEntry};
use crate::providers::{ParseError, ProviderSource, SOURCES};

/// The shipped `catalog/components.toml`.
pub const SHIPPED_COMPONENTS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../catalog/components.toml"
));

/// File name of the component list, for messages.
pub const COMPONENTS_FILE: &str = "components.toml";

/// The placeholder that makes a component a per-region template.
const REGION: &str = "{region}";

/// Largest components file accepted.
const MAX_COMPONENTS_BYTES: usize = 1024 * 1024;

/// Why a catalogue could not be built. Every variant names the file and the place.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{file}: {message}")]
    Syntax { file: String, message: String },
    #[error("{file}: {location}: {message}")]
    Invalid {
        file: String,
        location: String,
        message: String,
    },
    #[error(transparent)]
    Provider(#[from] ParseError),
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
}

/// What one provider list contributed.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceSummary {
    pub name: &'static str,
    pub file: &'static str,
    pub url: &'static str,
    /// Ranges read (before duplicates are merged).
    pub ranges: usize,
    /// The version or date inside the file.
    pub snapshot: String,
    /// Special-purpose ranges skipped (documentation, private…).
    pub skipped: usize,
}

/// Components, fingerprints and IP ranges, validated.
#[derive(Debug)]
pub struct Catalog {
    components: Vec<ComponentSpec>,
    index: BTreeMap<String, usize>,
    cname_rules: Vec<NameRule>,
    ns_rules: Vec<NameRule>,
    header_rules: Vec<HeaderRule>,
    tls_rules: Vec<TlsRule>,
    ip: IpTable,
    /// Evidence weight of an IP match, per component the lists name.
    ip_weights: BTreeMap<String, f64>,
    sources: Vec<SourceSummary>,
}

impl Catalog {
    /// The catalogue compiled into this crate, built once per process. The first call parses
    /// about 3.7 MB of provider lists (see `catalog/build_shipped` in benches/ip_lookup.rs):
    /// make it at start-up or in `spawn_blocking`, not inside a latency-sensitive task.
    pub fn shipped() -> Result<Arc<Catalog>, Arc<CatalogError>> {
        static SHIPPED: OnceLock<Result<Arc<Catalog>, Arc<CatalogError>>> = OnceLock::new();
        SHIPPED
            .get_or_init(|| {
                let lists = SOURCES.iter().map(|s| (s, s.shipped.to_string()));
                Catalog::build(SHIPPED_COMPONENTS, lists)
                    .map(Arc::new)
                    .map_err(Arc::new)
            })
            .clone()
    }

    /// Builds a catalogue from the shipped components and the provider files in `dir` (a
    /// directory laid out like `catalog/providers/`, e.g. after `vigie providers update`).
    pub fn from_dir(dir: &Path) -> Result<Catalog, CatalogError> {
        let mut lists = Vec::with_capacity(SOURCES.len());
        for source in SOURCES {
            let path = dir.join(source.file);
            let text = std::fs::read_to_string(&path).map_err(|e| CatalogError::Io {
                file: path.display().to_string(),
                source: e,
            })?;
            lists.push((source, text));
        }
        Catalog::build(SHIPPED_COMPONENTS, lists)
    }

    /// Builds and validates a catalogue from a components file and provider lists.
    pub fn build<'s>(
        components_toml: &str,
        lists: impl IntoIterator<Item = (&'s ProviderSource, String)>,
    ) -> Result<Catalog, CatalogError> {
        let raw = raw::parse(components_toml)?;
        let mut builder = Builder::default();
        // 1. static components, in file order;
        for (i, component) in raw.component.iter().enumerate() {
            if !component.id.contains(REGION) {
                builder.add_static(i, component)?;
            }
        }
        // 2. components and ranges from the providers' lists;
        let mut entries: Vec<RangeEntry> = Vec::new();
        let mut sources = Vec::new();
        for (source, text) in lists {
            let parsed = source.parse(&text)?;
            for spec in parsed.components {
                builder.add_generated(spec);
            }
            for entry in &parsed.entries {
                builder
                    .ip_weights
                    .entry(entry.info.component.clone())
                    .and_modify(|w: &mut f64| *w = w.max(source.weight))
                    .or_insert(source.weight);
            }
            sources.push(SourceSummary {
                name: source.name,
                file: source.file,
                url: source.url,
                ranges: parsed.entries.len(),
                snapshot: parsed.snapshot,
                skipped: parsed.skipped,
            });
            entries.extend(parsed.entries);
        }
        // 3. templates, once per region the lists define;
        for (i, component) in raw.component.iter().enumerate() {
            if component.id.contains(REGION) {
                builder.add_template(i, component)?;
            }
        }
        // 4. every component's parent must exist, every range must name a component.
        builder.check_parents()?;
        for entry in &entries {
            if !builder.index.contains_key(&entry.info.component) {
                return Err(invalid(
                    "providers",
                    &entry.info.label,
                    format!(
                        "range {} names unknown component `{}`",
                        entry.net, entry.info.component
                    ),
                ));
            }
        }
        builder.check_rule_conflicts()?;
        let ip = IpTable::build(entries);
        let Builder {
            components,
            index,
            cname_rules,
            ns_rules,
            header_rules,
            tls_rules,
            ip_weights,
        } = builder;
        Ok(Catalog {
            components,
            index,
            cname_rules,
            ns_rules,
            header_rules,
            tls_rules,
            ip,
            ip_weights,
            sources,
        })
    }

    /// Every component, parents included, sorted by id.
    pub fn components(&self) -> &[ComponentSpec] {
        &self.components
    }

    /// The component with this id.
    pub fn component(&self, id: &str) -> Option<&ComponentSpec> {
        self.index.get(id).map(|&i| &self.components[i])
    }

    pub fn cname_rules(&self) -> &[NameRule] {
        &self.cname_rules
    }

    pub fn ns_rules(&self) -> &[NameRule] {
        &self.ns_rules
    }

    pub fn header_rules(&self) -> &[HeaderRule] {
        &self.header_rules
    }

    pub fn tls_rules(&self) -> &[TlsRule] {
        &self.tls_rules
    }

    pub fn ip_table(&self) -> &IpTable {
        &self.ip
    }

    /// Evidence weight of an IP-range match for `component` (the weight of its list).
    pub fn ip_weight(&self, component: &str) -> f64 {
        self.ip_weights.get(component).copied().unwrap_or(0.8)
    }

    /// What each provider list contributed.
    pub fn sources(&self) -> &[SourceSummary] {
        &self.sources
    }
}

fn invalid(file: &str, location: &str, message: impl Into<String>) -> CatalogError {
    CatalogError::Invalid {
        file: file.to_string(),
        location: location.to_string(),
        message: message.into(),
    }
}

/// Checks a component id: `/`-separated labels of lowercase a-z, 0-9 and `-`.
pub fn validate_component_id(id: &str) -> Result<(), String> {
    if id.is_empty() || id.len() > 200 {
        return Err(format!("component id `{id}` must have 1 to 200 characters"));
    }
    for label in id.split('/') {
        let ok = !label.is_empty()
            && label
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return Err(format!(
                "component id `{id}`: label `{label}` must be lowercase a-z, 0-9 and inner `-`"
            ));
        }
    }
    Ok(())
}

#[derive(Default)]
struct Builder {
    components: Vec<ComponentSpec>,
    index: BTreeMap<String, usize>,
    cname_rules: Vec<NameRule>,
    ns_rules: Vec<NameRule>,
    header_rules: Vec<HeaderRule>,
    tls_rules: Vec<TlsRule>,
    ip_weights: BTreeMap<String, f64>,
}

impl Builder {
    fn insert(&mut self, spec: ComponentSpec) {
        // Keep `components` sorted by id so the public slice is stable.
        let at = self
            .components
            .partition_point(|c| c.id.as_str() < spec.id.as_str());
        self.components.insert(at, spec);
        self.index = self
            .components
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
    }

    fn add_static(&mut self, i: usize, raw: &raw::RawComponent) -> Result<(), CatalogError> {
        let location = format!("component[{i}] `{}`", raw.id);
        validate_component_id(&raw.id).map_err(|m| invalid(COMPONENTS_FILE, &location, m))?;
        if self.index.contains_key(&raw.id) {
            return Err(invalid(
                COMPONENTS_FILE,
                &location,
                "duplicate component id",
            ));
        }
        self.insert(spec_of(raw, &raw.id, &raw.name, &location)?);
        self.add_rules(raw, &raw.id, None, &location)
    }

    fn add_generated(&mut self, spec: ComponentSpec) {
        if !self.index.contains_key(&spec.id) {
            self.insert(spec);
        }
    }

    /// Instantiates a `{region}` template for every region component of its provider.
    fn add_template(&mut self, i: usize, raw: &raw::RawComponent) -> Result<(), CatalogError> {
        let location = format!("component[{i}] `{}`", raw.id);
        let Some((provider, rest)) = raw.id.split_once('/') else {
            return Err(invalid(
                COMPONENTS_FILE,
                &location,
                "a template id needs a provider first",
            ));
        };
        if !rest.starts_with(REGION) || rest.matches(REGION).count() != 1 {
            return Err(invalid(
                COMPONENTS_FILE,
                &location,
                "`{region}` must be the second label of a template id (`aws/{region}/elb`)",
            ));
        }
        // Validate the template's shape once with a stand-in region, so a broken template is
        // an error even when the lists define no region for it.
        validate_component_id(&raw.id.replace(REGION, "region"))
            .map_err(|m| invalid(COMPONENTS_FILE, &location, m))?;
        let regions: Vec<String> = self
            .components
            .iter()
            .filter(|c| c.kind == ComponentKind::Region)
            .filter_map(|c| {
                let (p, region) = c.id.split_once('/')?;
                (p == provider && !region.contains('/')).then(|| region.to_string())
            })
            .collect();
        if regions.is_empty() {
            return Err(invalid(
                COMPONENTS_FILE,
                &location,
                format!("no `{provider}/<region>` components to instantiate the template for"),
            ));
        }
        for region in regions {
            let id = raw.id.replace(REGION, &region);
            if !self.index.contains_key(&id) {
                let name = raw.name.replace(REGION, &region);
                self.insert(spec_of(raw, &id, &name, &location)?);
            }
            self.add_rules(raw, &id, Some(&region), &location)?;
        }
        Ok(())
    }

    fn add_rules(
        &mut self,
        raw: &raw::RawComponent,
        id: &str,
        region: Option<&str>,
        location: &str,
    ) -> Result<(), CatalogError> {
        let expand = |key: &str, j: usize, text: &str| -> Result<NamePattern, CatalogError> {
            let at = format!("{location}, {key}[{j}]");
            let text = match region {
                Some(region) => text.replace(REGION, region),
                None if text.contains(REGION) => {
                    return Err(invalid(
                        COMPONENTS_FILE,
                        &at,
                        "`{region}` outside a template",
                    ))
                }
                None => text.to_string(),
            };
            NamePattern::parse(&text).map_err(|m| invalid(COMPONENTS_FILE, &at, m))
        };
        for (j, text) in raw.cname.iter().enumerate() {
            let pattern = expand("cname", j, text)?;
            self.cname_rules.push(NameRule {
                pattern,
                component: id.to_string(),
            });
        }
        for (j, text) in raw.ns.iter().enumerate() {
            let pattern = expand("ns", j, text)?;
            self.ns_rules.push(NameRule {
                pattern,
                component: id.to_string(),
            });
        }
        if region.is_some() && !(raw.headers.is_empty() && raw.tls_issuers.is_empty()) {
            return Err(invalid(
                COMPONENTS_FILE,
                location,
                "templates take cname and ns patterns only (headers and TLS issuers name no region)",
            ));
        }
        for (j, h) in raw.headers.iter().enumerate() {
            let at = format!("{location}, headers[{j}]");
            validate_header_name(&h.name).map_err(|m| invalid(COMPONENTS_FILE, &at, m))?;
            validate_weight(h.weight).map_err(|m| invalid(COMPONENTS_FILE, &at, m))?;
            let value = match (&h.equals, &h.prefix, &h.contains) {
                (None, None, None) => ValueMatch::Present,
                (Some(v), None, None) => ValueMatch::Equals(needle(v, &at)?),
                (None, Some(v), None) => ValueMatch::Prefix(needle(v, &at)?),
                (None, None, Some(v)) => ValueMatch::Contains(needle(v, &at)?),
                _ => {
                    return Err(invalid(
                        COMPONENTS_FILE,
                        &at,
                        "use at most one of `equals`, `prefix`, `contains`",
                    ))
                }
            };
            self.header_rules.push(HeaderRule {
                name: h.name.clone(),
                value,
                weight: h.weight,
                component: id.to_string(),
            });
        }
        for (j, t) in raw.tls_issuers.iter().enumerate() {
            let at = format!("{location}, tls_issuers[{j}]");
            validate_weight(t.weight).map_err(|m| invalid(COMPONENTS_FILE, &at, m))?;
            self.tls_rules.push(TlsRule {
                contains: needle(&t.contains, &at)?,
                weight: t.weight,
                component: id.to_string(),
            });
        }
        Ok(())
    }

    fn check_parents(&self) -> Result<(), CatalogError> {
        for c in &self.components {
            if let Some(parent) = component_parent(&c.id) {
                if !self.index.contains_key(parent) {
                    return Err(invalid(
                        COMPONENTS_FILE,
                        &format!("component `{}`", c.id),
                        format!("its parent `{parent}` is not defined"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The same pattern must not point to two components: the answer would depend on order.
    fn check_rule_conflicts(&self) -> Result<(), CatalogError> {
        for (key, rules) in [("cname", &self.cname_rules), ("ns", &self.ns_rules)] {
            let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
            for rule in rules.iter() {
                if let Some(other) = seen.insert(rule.pattern.as_str(), &rule.component) {
                    if other != rule.component {
                        return Err(invalid(
                            COMPONENTS_FILE,
                            &format!("{key} `{}`", rule.pattern),
                            format!("claimed by both `{other}` and `{}`", rule.component),
                        ));
                    }
                }
            }
        }
        let mut headers = BTreeSet::new();
        for rule in &self.header_rules {
            if !headers.insert((
                rule.name.as_str(),
                rule.value.to_string(),
                rule.component.as_str(),
            )) {
                return Err(invalid(
                    COMPONENTS_FILE,
                    &format!("header `{}`", rule.name),
                    format!("rule `{}` repeated for `{}`", rule.value, rule.component),
                ));
            }
        }
        Ok(())
    }
}

fn needle(text: &str, at: &str) -> Result<String, CatalogError> {
    let text = text.trim();
    if text.is_empty() || text.len() > 200 {
        return Err(invalid(
            COMPONENTS_FILE,
            at,
            "match text must have 1 to 200 characters",
        ));
    }
    Ok(text.to_ascii_lowercase())
}

fn spec_of(
    raw: &raw::RawComponent,
    id: &str,
    name: &str,
    location: &str,
) -> Result<ComponentSpec, CatalogError> {
    if name.trim().is_empty() {
        return Err(invalid(COMPONENTS_FILE, location, "empty `name`"));
    }
    Ok(ComponentSpec {
        id: id.to_string(),
        kind: raw.kind,
        name: Some(name.to_string()),
    })
}

#[cfg(test)]
mod tests;
