//! DNS checks: one query for a name and record type, to the system resolver or to the
//! check's own server; judged on the response code and, optionally, an answer's text.

use std::str::FromStr;

use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::RecordType;
use vigie_core::ProbeError;

use crate::outcome::DnsInfo;
use crate::prober::{Failure, Phase, Prober, Progress};
use crate::resolve::{classify, rcode_name, LookupFailure};
use crate::spec::DnsCheck;

/// The probe error when the response code `got` is not the expected one.
fn mismatch_error(got: ResponseCode) -> ProbeError {
    match got {
        ResponseCode::NXDomain => ProbeError::DnsNxdomain,
        // The name exists (or has no record of this type) while an error was expected.
        ResponseCode::NoError => ProbeError::Assertion,
        _ => ProbeError::DnsServfail,
    }
}

pub(crate) async fn run(
    prober: &Prober,
    check: &DnsCheck,
    progress: &mut Progress,
) -> Result<String, Failure> {
    let resolver = match check.server {
        Some(server) => prober.resolvers.for_server(server),
        None => prober.resolvers.system(),
    }
    .map_err(|detail| (ProbeError::DnsTimeout, detail))?;
    let record_type =
        RecordType::from_str(&check.record_type.to_ascii_uppercase()).map_err(|_| {
            (
                ProbeError::Assertion,
                format!("unknown record type {:?}", check.record_type),
            )
        })?;
    // A DNS check asks about exactly this name: no search domains.
    let name = if check.name.ends_with('.') {
        check.name.clone()
    } else {
        format!("{}.", check.name)
    };
    let asked = format!("{name} {record_type}");

    let started = progress.start(Phase::Dns);
    let result = resolver.lookup(name.as_str(), record_type).await;
    progress.phases.dns = Some(started.elapsed());
    let (rcode, answers) = match result {
        Ok(lookup) => {
            let answers: Vec<String> = lookup
                .answers()
                .iter()
                .map(|r| format!("{} {} {}", r.name, r.record_type(), r.data))
                .collect();
            (ResponseCode::NoError, answers)
        }
        Err(error) => match classify(&error) {
            LookupFailure::Rcode(code) => (code, Vec::new()),
            LookupFailure::NoAnswer(why) => {
                return Err((ProbeError::DnsTimeout, format!("{asked}: no answer: {why}")))
            }
        },
    };
    let got = rcode_name(rcode);
    progress.dns = Some(DnsInfo {
        rcode: got.clone(),
        answers: answers.clone(),
    });

    let expected = check.expected_rcode.to_ascii_uppercase();
    if got != expected {
        return Err((
            mismatch_error(rcode),
            format!("{asked}: {got}, expected {expected}"),
        ));
    }
    if let Some(needle) = &check.expected_answer {
        if !answers.iter().any(|a| a.contains(needle.as_str())) {
            let seen = if answers.is_empty() {
                "no answers".to_string()
            } else {
                answers.join("; ")
            };
            return Err((
                ProbeError::Assertion,
                format!("{asked}: no answer contains {needle:?} ({seen})"),
            ));
        }
    }
    Ok(match answers.len() {
        0 => format!("{asked}: {got}, no answers"),
        n => format!("{asked}: {got}, {n} answers: {}", answers.join("; ")),
    })
}
