//! Human durations as written in `vigie.toml`: `500ms`, `30s`, `5m`, `1h30m`, `90d`.

use std::time::Duration;

/// Parses a duration made of one or more `<integer><unit>` parts (units: ms, s, m, h, d).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration; write e.g. \"30s\", \"5m\" or \"1h30m\"".into());
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(format!(
                "invalid duration {text:?}: expected a number at {rest:?} (e.g. \"30s\", \"5m\", \"1h30m\")"
            ));
        }
        let value: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("invalid duration {text:?}: number too large"))?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let millis_per_unit: u64 = match unit {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "" => {
                return Err(format!(
                    "invalid duration {text:?}: missing unit after {value} (ms, s, m, h or d)"
                ))
            }
            other => {
                return Err(format!(
                    "invalid duration {text:?}: unknown unit {other:?} (ms, s, m, h or d)"
                ))
            }
        };
        let part = value
            .checked_mul(millis_per_unit)
            .ok_or_else(|| format!("invalid duration {text:?}: too large"))?;
        total += Duration::from_millis(part);
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_compounds() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(
            parse_duration("90d").unwrap(),
            Duration::from_secs(90 * 86400)
        );
    }

    #[test]
    fn rejects_bad_durations_with_reason() {
        assert!(parse_duration("").unwrap_err().contains("empty"));
        assert!(parse_duration("30").unwrap_err().contains("missing unit"));
        assert!(parse_duration("5min").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("5 minutes")
            .unwrap_err()
            .contains("missing unit"));
        assert!(parse_duration("s")
            .unwrap_err()
            .contains("expected a number"));
    }
}
