//! The two doors into report intake.
//!
//! * `POST /api/v1/services/{id}/reports` — JSON, answers `202 {"id": N, "duplicate": b}`
//!   once the report is on disk, or a JSON error.
//! * `POST /s/{id}/report` — the HTML form of the service page (rendered by `crate::web`).
//!   Fields `kind`, optional `region` and `note`, and `csrf` (from
//!   [`AppState::csrf_token`]). Always answers `303 See Other` back to `/s/{id}` with
//!   `?report=` one of `accepted`, `duplicate`, `invalid`, `rate_limited`, `expired` (bad or
//!   stale CSRF token, or a cross-site post), `unavailable`, so the page can say what
//!   happened; an unknown service is a 404.
//!
//! CSRF defence for the form, without cookies: browsers that send `Sec-Fetch-Site:
//! cross-site` or an `Origin` whose host differs from `Host` are refused outright, and the
//! token must match an HMAC-like hash of (daily secret, client network, service) compared in
//! constant time — a token fetched by a third party is bound to the third party's network.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use vigie_core::ReportKind;

use super::request::ReportRequest;
use super::ClientNetwork;
use crate::error::ApiError;
use crate::extract::{body_rejection, parse_json};
use crate::metrics::RejectReason;
use crate::state::AppState;

#[derive(Serialize)]
pub struct ReportAccepted {
    pub id: u64,
    pub duplicate: bool,
}

/// Whether the request declares a JSON body, read from the headers without copying them
/// (a `HeaderMap` extractor clones every header).
pub struct DeclaresJson(pub bool);

impl<S: Send + Sync> FromRequestParts<S> for DeclaresJson {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(DeclaresJson(is_json(&parts.headers)))
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

/// `POST /api/v1/services/{id}/reports`.
pub async fn post_report_json(
    State(state): State<AppState>,
    Path(service): Path<String>,
    client: ClientNetwork,
    DeclaresJson(declares_json): DeclaresJson,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<ReportAccepted>), ApiError> {
    let intake = state.intake();
    if state.directory().service(&service).is_none() {
        intake.reject(RejectReason::UnknownService);
        return Err(ApiError::not_found_service(&service));
    }
    let parsed = (|| {
        if !declares_json {
            return Err(ApiError::UnsupportedMediaType(
                "expected Content-Type: application/json".into(),
            ));
        }
        let body = body.map_err(body_rejection)?;
        parse_json::<ReportRequest>(&body)?.validate()
    })();
    let report = match parsed {
        Ok(r) => r,
        Err(e) => {
            intake.reject(RejectReason::Invalid);
            return Err(e);
        }
    };
    let accepted = intake
        .submit(&client, &service, report, state.now())
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(ReportAccepted {
            id: accepted.id,
            duplicate: accepted.duplicate,
        }),
    ))
}

/// The report form's fields. Unknown fields are ignored (browsers may add button names).
#[derive(Debug, Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub csrf: String,
}

/// Percent-encodes a path segment (service ids are tame, but never trust that here).
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn back_to(service: &str, outcome: &str) -> Response {
    let location = format!("/s/{}?report={outcome}#report", encode_segment(service));
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

/// Whether the browser says this post comes from another site.
fn is_cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if site.eq_ignore_ascii_case("cross-site") {
            return true;
        }
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        if origin == "null" {
            return true;
        }
        let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        return match host {
            Some(h) => !origin_host.eq_ignore_ascii_case(h),
            None => true,
        };
    }
    false
}

/// `POST /s/{id}/report` (form-urlencoded).
pub async fn post_report_form(
    State(state): State<AppState>,
    Path(service): Path<String>,
    client: ClientNetwork,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let intake = state.intake();
    if state.directory().service(&service).is_none() {
        intake.reject(RejectReason::UnknownService);
        return Err(ApiError::not_found_service(&service));
    }
    let Ok(body) = body else {
        intake.reject(RejectReason::Invalid);
        return Ok(back_to(&service, "invalid"));
    };
    let Ok(form) = decode_form(&body) else {
        intake.reject(RejectReason::Invalid);
        return Ok(back_to(&service, "invalid"));
    };
    let now = state.now();
    if is_cross_site(&headers)
        || !intake
            .keys()
            .verify_csrf(&client.prefix, &service, now, form.csrf.trim())
    {
        intake.reject(RejectReason::Csrf);
        return Ok(back_to(&service, "expired"));
    }
    let Some(kind) = ReportKind::parse(form.kind.trim()) else {
        intake.reject(RejectReason::Invalid);
        return Ok(back_to(&service, "invalid"));
    };
    let request = ReportRequest {
        kind,
        region: form.region,
        note: form.note,
    };
    let report = match request.validate() {
        Ok(r) => r,
        Err(_) => {
            intake.reject(RejectReason::Invalid);
            return Ok(back_to(&service, "invalid"));
        }
    };
    match intake.submit(&client, &service, report, now).await {
        Ok(a) if a.duplicate => Ok(back_to(&service, "duplicate")),
        Ok(_) => Ok(back_to(&service, "accepted")),
        Err(ApiError::RateLimited { .. }) => Ok(back_to(&service, "rate_limited")),
        Err(_) => Ok(back_to(&service, "unavailable")),
    }
}

/// Decodes `application/x-www-form-urlencoded` (small bodies only; the route limits size).
fn decode_form(body: &[u8]) -> Result<ReportForm, ()> {
    let text = std::str::from_utf8(body).map_err(|_| ())?;
    let mut form = ReportForm {
        kind: String::new(),
        region: None,
        note: None,
        csrf: String::new(),
    };
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_decode(k)?;
        let v = percent_decode(v)?;
        match k.as_str() {
            "kind" => form.kind = v,
            "region" => form.region = Some(v),
            "note" => form.note = Some(v),
            "csrf" => form.csrf = v,
            _ => {}
        }
    }
    Ok(form)
}

fn percent_decode(s: &str) -> Result<String, ()> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).ok_or(())?;
                let hex = std::str::from_utf8(hex).map_err(|_| ())?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| ())?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn form_decoding() {
        let f = decode_form(b"kind=login&region=FR&note=caf%C3%A9+au+lait&csrf=ab12&x=1").unwrap();
        assert_eq!(f.kind, "login");
        assert_eq!(f.region.as_deref(), Some("FR"));
        assert_eq!(f.note.as_deref(), Some("café au lait"));
        assert_eq!(f.csrf, "ab12");
        assert!(decode_form(b"kind=%zz").is_err());
        assert!(decode_form(b"kind=%C3").is_err());
    }

    #[test]
    fn cross_site_detection() {
        let mut h = HeaderMap::new();
        h.insert(
            header::HOST,
            HeaderValue::from_static("status.example:8080"),
        );
        assert!(!is_cross_site(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://status.example:8080"),
        );
        assert!(!is_cross_site(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(is_cross_site(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(is_cross_site(&h));
        let mut h = HeaderMap::new();
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(is_cross_site(&h));
    }

    #[test]
    fn segments_are_encoded() {
        assert_eq!(encode_segment("my-svc_1"), "my-svc_1");
        assert_eq!(encode_segment("a/b?c"), "a%2Fb%3Fc");
    }
}
