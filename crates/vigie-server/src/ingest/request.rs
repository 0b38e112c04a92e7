//! The body of a crowd report and its validation, shared by the JSON API and the HTML form.

use serde::Deserialize;
use vigie_core::ReportKind;

use super::region::is_iso_alpha2;
use crate::error::ApiError;

/// The longest note a report may carry, in characters (not bytes).
pub const MAX_NOTE_CHARS: usize = 280;

/// `POST /api/v1/services/{id}/reports` body, exactly as sent.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    #[serde(deserialize_with = "kind_field")]
    pub kind: ReportKind,
    #[serde(default, deserialize_with = "region_field")]
    pub region: Option<String>,
    #[serde(default, deserialize_with = "note_field")]
    pub note: Option<String>,
}

/// serde's own type errors do not name the field; these do.
fn kind_field<'de, D: serde::Deserializer<'de>>(d: D) -> Result<ReportKind, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    value.as_str().and_then(ReportKind::parse).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "kind: {value} is not one of website, app, login, connection, payments, other"
        ))
    })
}

fn optional_string<'de, D: serde::Deserializer<'de>>(
    d: D,
    field: &str,
) -> Result<Option<String>, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::String(s) => Ok(Some(s)),
        other => Err(serde::de::Error::custom(format!(
            "{field}: expected a string, found {other}"
        ))),
    }
}

fn region_field<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    optional_string(d, "region")
}

fn note_field<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    optional_string(d, "note")
}

/// A report that passed validation: region upper-cased and checked, note trimmed and bounded.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidReport {
    pub kind: ReportKind,
    pub region: Option<String>,
    pub note: Option<String>,
}

impl ReportRequest {
    /// Checks region and note; empty strings count as absent.
    pub fn validate(self) -> Result<ValidReport, ApiError> {
        let region = match self.region.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(r) => {
                let upper = r.to_ascii_uppercase();
                if !is_iso_alpha2(&upper) {
                    return Err(ApiError::BadRequest(format!(
                        "region: {r:?} is not an ISO 3166-1 alpha-2 country code (e.g. \"FR\")"
                    )));
                }
                Some(upper)
            }
        };
        let note = match self.note.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(n) => {
                let chars = n.chars().count();
                if chars > MAX_NOTE_CHARS {
                    return Err(ApiError::BadRequest(format!(
                        "note: {chars} characters, at most {MAX_NOTE_CHARS} allowed"
                    )));
                }
                if n.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
                    return Err(ApiError::BadRequest(
                        "note: control characters are not allowed".to_string(),
                    ));
                }
                Some(n.to_string())
            }
        };
        Ok(ValidReport {
            kind: self.kind,
            region,
            note,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(region: Option<&str>, note: Option<&str>) -> ReportRequest {
        ReportRequest {
            kind: ReportKind::Login,
            region: region.map(String::from),
            note: note.map(String::from),
        }
    }

    #[test]
    fn region_is_upper_cased_and_checked() {
        assert_eq!(
            req(Some("fr"), None).validate().unwrap().region.as_deref(),
            Some("FR")
        );
        assert!(req(Some("XX"), None).validate().is_err());
        assert!(req(Some("FRA"), None).validate().is_err());
        assert_eq!(req(Some(""), None).validate().unwrap().region, None);
    }

    #[test]
    fn note_is_counted_in_characters() {
        let ok = "é".repeat(280);
        assert!(req(None, Some(&ok)).validate().is_ok());
        let long = "é".repeat(281);
        let err = req(None, Some(&long)).validate().unwrap_err();
        assert!(err.to_string().contains("281"));
        assert!(req(None, Some("a\u{7}b")).validate().is_err());
    }

    #[test]
    fn unknown_fields_and_kinds_are_rejected() {
        let e = serde_json::from_str::<ReportRequest>(r#"{"kind":"login","x":1}"#).unwrap_err();
        assert!(e.to_string().contains("unknown field"));
        assert!(serde_json::from_str::<ReportRequest>(r#"{"kind":"coffee"}"#).is_err());
        assert!(serde_json::from_str::<ReportRequest>(r#"{}"#).is_err());
    }
}
