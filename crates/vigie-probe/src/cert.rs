//! Reads the end of validity (`notAfter`) out of a DER X.509 certificate.
//!
//! Only the path Certificate → TBSCertificate → Validity is walked, with every length
//! checked against the bytes that remain, so a full X.509 parser is not needed for the one
//! date a probe reports.

/// The certificate's bytes are not the DER this walker expects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed certificate: {0}")]
pub struct CertError(&'static str);

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const VERSION: u8 = 0xA0;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;

/// One DER element: its tag, its contents, and the bytes after it.
fn element(input: &[u8]) -> Result<(u8, &[u8], &[u8]), CertError> {
    let (&tag, rest) = input.split_first().ok_or(CertError("truncated tag"))?;
    let (&first, rest) = rest.split_first().ok_or(CertError("truncated length"))?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7F);
        if count == 0 || count > 4 || rest.len() < count {
            return Err(CertError("unsupported length"));
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[count..])
    };
    if rest.len() < len {
        return Err(CertError("element longer than its container"));
    }
    Ok((tag, &rest[..len], &rest[len..]))
}

fn expect<'a>(
    input: &'a [u8],
    tag: u8,
    what: &'static str,
) -> Result<(&'a [u8], &'a [u8]), CertError> {
    let (found, contents, rest) = element(input)?;
    if found != tag {
        return Err(CertError(what));
    }
    Ok((contents, rest))
}

/// `notAfter` in seconds since the Unix epoch.
pub fn not_after_unix(der: &[u8]) -> Result<i64, CertError> {
    let (certificate, _) = expect(der, SEQUENCE, "certificate is not a SEQUENCE")?;
    let (tbs, _) = expect(certificate, SEQUENCE, "tbsCertificate is not a SEQUENCE")?;
    let mut rest = tbs;
    if rest.first() == Some(&VERSION) {
        rest = element(rest)?.2;
    }
    let (_, rest) = expect(rest, INTEGER, "serialNumber is not an INTEGER")?;
    let (_, rest) = expect(rest, SEQUENCE, "signature is not a SEQUENCE")?;
    let (_, rest) = expect(rest, SEQUENCE, "issuer is not a SEQUENCE")?;
    let (validity, _) = expect(rest, SEQUENCE, "validity is not a SEQUENCE")?;
    let (_, _, after) = element(validity)?; // notBefore
    let (tag, not_after, _) = element(after)?;
    parse_time(tag, not_after)
}

fn digits(text: &[u8]) -> Result<i64, CertError> {
    text.iter().try_fold(0i64, |acc, &b| {
        if b.is_ascii_digit() {
            Ok(acc * 10 + i64::from(b - b'0'))
        } else {
            Err(CertError("non-digit in time"))
        }
    })
}

/// UTCTime `YYMMDDHHMMSSZ` or GeneralizedTime `YYYYMMDDHHMMSSZ` (RFC 5280 4.1.2.5).
fn parse_time(tag: u8, text: &[u8]) -> Result<i64, CertError> {
    let (year, rest) = match tag {
        UTC_TIME if text.len() == 13 => {
            let yy = digits(&text[..2])?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &text[2..])
        }
        GENERALIZED_TIME if text.len() == 15 => (digits(&text[..4])?, &text[4..]),
        UTC_TIME | GENERALIZED_TIME => return Err(CertError("unexpected time length")),
        _ => return Err(CertError("notAfter is not a time")),
    };
    if rest[10] != b'Z' {
        return Err(CertError("time is not in UTC"));
    }
    let month = digits(&rest[0..2])?;
    let day = digits(&rest[2..4])?;
    let hour = digits(&rest[4..6])?;
    let minute = digits(&rest[6..8])?;
    let second = digits(&rest[8..10])?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return Err(CertError("time field out of range"));
    }
    if second > 60 {
        return Err(CertError("time field out of range"));
    }
    Ok(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days_match_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2021, 6, 8), 18_786);
    }

    #[test]
    fn parses_both_time_forms() {
        assert_eq!(parse_time(UTC_TIME, b"210608094700Z"), Ok(1_623_145_620));
        assert_eq!(
            parse_time(GENERALIZED_TIME, b"20210608094700Z"),
            Ok(1_623_145_620)
        );
        assert_eq!(parse_time(UTC_TIME, b"500101000000Z"), Ok(-631_152_000));
    }

    #[test]
    fn rejects_malformed_input() {
        assert!(not_after_unix(&[]).is_err());
        assert!(not_after_unix(&[0x30, 0x05, 0x30]).is_err());
        assert!(not_after_unix(&[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]).is_err());
        assert!(parse_time(UTC_TIME, b"2106080947000").is_err());
        assert!(parse_time(UTC_TIME, b"211308094700Z").is_err());
        assert!(parse_time(0x04, b"210608094700Z").is_err());
    }
}
