//! The raw, serde form of `catalog/components.toml`: unknown keys are errors, and the TOML
//! parser's message names the line and column. Checks on values live in the parent module.

use serde::Deserialize;
use vigie_core::ComponentKind;

use super::{CatalogError, COMPONENTS_FILE, MAX_COMPONENTS_BYTES};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCatalog {
    pub component: Vec<RawComponent>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawComponent {
    pub id: String,
    pub kind: ComponentKind,
    pub name: String,
    #[serde(default)]
    pub cname: Vec<String>,
    #[serde(default)]
    pub ns: Vec<String>,
    #[serde(default)]
    pub headers: Vec<RawHeaderRule>,
    #[serde(default)]
    pub tls_issuers: Vec<RawTlsRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHeaderRule {
    pub name: String,
    pub equals: Option<String>,
    pub prefix: Option<String>,
    pub contains: Option<String>,
    pub weight: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTlsRule {
    pub contains: String,
    pub weight: f64,
}

pub(super) fn parse(text: &str) -> Result<RawCatalog, CatalogError> {
    if text.len() > MAX_COMPONENTS_BYTES {
        return Err(CatalogError::Syntax {
            file: COMPONENTS_FILE.into(),
            message: format!("larger than {MAX_COMPONENTS_BYTES} bytes"),
        });
    }
    toml::from_str(text).map_err(|e| CatalogError::Syntax {
        file: COMPONENTS_FILE.into(),
        message: e.to_string(),
    })
}
