//! Fingerprint rules and their matching: DNS-name suffix patterns (for CNAME targets and NS
//! hosts), HTTP response header rules and TLS issuer hints. The rules are data from the
//! catalogue; this module owns their syntax, their validation and how they match.

use std::fmt;

/// Longest DNS name accepted (RFC 1035).
pub const MAX_NAME_LEN: usize = 253;
/// Longest DNS label accepted (RFC 1035).
pub const MAX_LABEL_LEN: usize = 63;

/// One label of a [`NamePattern`].
#[derive(Clone, Debug, PartialEq, Eq)]
enum LabelPattern {
    /// The label must equal this text.
    Exact(String),
    /// The label must start with this text (written `awsdns-*`).
    Prefix(String),
}

/// A DNS-name suffix such as `fastly.net` or `awsdns-*.com`, matched on label boundaries:
/// `x.map.fastly.net` and `fastly.net` match `fastly.net`; `notfastly.net` does not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamePattern {
    /// Labels, rightmost (TLD) first.
    labels: Vec<LabelPattern>,
    text: String,
}

impl NamePattern {
    /// Parses and validates a pattern: lowercase labels of `a-z`, `0-9` and `-` (not at either
    /// end), at least two labels, `*` only as the last character of a non-empty label prefix.
    pub fn parse(text: &str) -> Result<NamePattern, String> {
        if text.is_empty() {
            return Err("empty name pattern".into());
        }
        if text.len() > MAX_NAME_LEN {
            return Err(format!(
                "name pattern `{text}` is longer than {MAX_NAME_LEN} characters"
            ));
        }
        let parts: Vec<&str> = text.split('.').collect();
        if parts.len() < 2 {
            return Err(format!(
                "name pattern `{text}` has a single label; a suffix needs at least two (`example.net`)"
            ));
        }
        let mut labels = Vec::with_capacity(parts.len());
        for part in parts.iter().rev() {
            let (body, wildcard) = match part.strip_suffix('*') {
                Some(body) => (body, true),
                None => (*part, false),
            };
            validate_label(body, wildcard)
                .map_err(|why| format!("name pattern `{text}`: {why}"))?;
            labels.push(if wildcard {
                LabelPattern::Prefix(body.to_string())
            } else {
                LabelPattern::Exact(body.to_string())
            });
        }
        if matches!(labels.first(), Some(LabelPattern::Prefix(_))) {
            return Err(format!(
                "name pattern `{text}`: the last label cannot be a wildcard"
            ));
        }
        Ok(NamePattern {
            labels,
            text: text.to_string(),
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// How many labels the pattern pins: the more, the more specific.
    pub fn specificity(&self) -> usize {
        self.labels.len()
    }

    /// Whether `name` (a normalized name: lowercase, no trailing dot) ends with this pattern.
    pub fn matches(&self, name: &str) -> bool {
        let mut name_labels = name.rsplit('.');
        for pattern in &self.labels {
            let Some(label) = name_labels.next() else {
                return false;
            };
            let ok = match pattern {
                LabelPattern::Exact(text) => label == text,
                LabelPattern::Prefix(text) => label.starts_with(text.as_str()),
            };
            if !ok {
                return false;
            }
        }
        true
    }
}

impl fmt::Display for NamePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn validate_label(label: &str, wildcard: bool) -> Result<(), String> {
    if label.is_empty() {
        return Err(if wildcard {
            "a wildcard needs a label prefix (`awsdns-*`, not `*`)".into()
        } else {
            "empty label".into()
        });
    }
    if label.len() > MAX_LABEL_LEN {
        return Err(format!(
            "label `{label}` is longer than {MAX_LABEL_LEN} characters"
        ));
    }
    if let Some(bad) = label
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(format!(
            "label `{label}` has `{bad}`; only lowercase a-z, 0-9 and `-` are allowed"
        ));
    }
    if label.starts_with('-') || (!wildcard && label.ends_with('-')) {
        return Err(format!("label `{label}` starts or ends with `-`"));
    }
    Ok(())
}

/// Normalizes a DNS name for matching: lowercase, without the trailing dot.
pub fn normalize_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// A rule tying a name suffix to a component.
#[derive(Clone, Debug)]
pub struct NameRule {
    pub pattern: NamePattern,
    pub component: String,
}

/// The most specific rule (most labels) whose pattern ends `name`; ties go to the first rule.
pub fn best_name_match<'r>(rules: &'r [NameRule], name: &str) -> Option<&'r NameRule> {
    let name = normalize_name(name);
    let mut best: Option<&NameRule> = None;
    for rule in rules {
        if rule.pattern.matches(&name)
            && best.is_none_or(|b| rule.pattern.specificity() > b.pattern.specificity())
        {
            best = Some(rule);
        }
    }
    best
}

/// How a header's value must look for a [`HeaderRule`] to match. Values are compared
/// case-insensitively (the needles are stored lowercase).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueMatch {
    Present,
    Equals(String),
    Prefix(String),
    Contains(String),
}

impl ValueMatch {
    pub fn matches(&self, value: &str) -> bool {
        let value = value.trim().to_ascii_lowercase();
        match self {
            ValueMatch::Present => true,
            ValueMatch::Equals(needle) => value == *needle,
            ValueMatch::Prefix(needle) => value.starts_with(needle.as_str()),
            ValueMatch::Contains(needle) => value.contains(needle.as_str()),
        }
    }
}

impl fmt::Display for ValueMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueMatch::Present => f.write_str("present"),
            ValueMatch::Equals(n) => write!(f, "equals `{n}`"),
            ValueMatch::Prefix(n) => write!(f, "starts with `{n}`"),
            ValueMatch::Contains(n) => write!(f, "contains `{n}`"),
        }
    }
}

/// An HTTP response header fingerprint.
#[derive(Clone, Debug)]
pub struct HeaderRule {
    /// Lowercase header name.
    pub name: String,
    pub value: ValueMatch,
    /// How strongly a match says "this component serves the host", in (0, 1].
    pub weight: f64,
    pub component: String,
}

impl HeaderRule {
    pub fn matches(&self, name: &str, value: &str) -> bool {
        name.eq_ignore_ascii_case(&self.name) && self.value.matches(value)
    }
}

/// Checks a header name: a lowercase HTTP token.
pub fn validate_header_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 64 {
        return Err(format!("header name `{name}` must have 1 to 64 characters"));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_'))
    {
        return Err(format!(
            "header name `{name}` has `{bad}`; use lowercase a-z, 0-9, `-` and `_`"
        ));
    }
    Ok(())
}

/// A hint from the issuer of the TLS certificate a host presents.
#[derive(Clone, Debug)]
pub struct TlsRule {
    /// Lowercase text looked for in the issuer's organization and common name.
    pub contains: String,
    pub weight: f64,
    pub component: String,
}

impl TlsRule {
    pub fn matches(&self, issuer: &str) -> bool {
        issuer.to_ascii_lowercase().contains(&self.contains)
    }
}

/// Checks a rule weight: a finite number in (0, 1].
pub fn validate_weight(weight: f64) -> Result<(), String> {
    if weight.is_finite() && weight > 0.0 && weight <= 1.0 {
        Ok(())
    } else {
        Err(format!("weight {weight} is not in (0, 1]"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_match_on_label_boundaries() {
        let p = NamePattern::parse("fastly.net").expect("valid");
        assert!(p.matches("x.map.fastly.net"));
        assert!(p.matches("fastly.net"));
        assert!(!p.matches("notfastly.net"));
        assert!(!p.matches("fastly.net.evil.com"));
        assert!(!p.matches("net"));
    }

    #[test]
    fn label_prefix_wildcards() {
        let p = NamePattern::parse("awsdns-*.org").expect("valid");
        assert!(p.matches("ns-1234.awsdns-56.org"));
        assert!(!p.matches("ns-1234.awsdnsx.org"));
        assert!(!p.matches("awsdns-56.com"));
    }

    #[test]
    fn malformed_patterns_are_rejected_with_the_reason() {
        for (bad, why) in [
            ("", "empty"),
            ("net", "single label"),
            ("Fastly.net", "`F`"),
            ("fast_ly.net", "`_`"),
            ("-x.net", "starts or ends"),
            ("a..net", "empty label"),
            ("*.net", "label prefix"),
            ("x.ne*", "last label"),
            (".fastly.net", "empty label"),
        ] {
            let err = NamePattern::parse(bad).expect_err(bad);
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn the_most_specific_rule_wins() {
        let rules = vec![
            NameRule {
                pattern: NamePattern::parse("amazonaws.com").expect("valid"),
                component: "aws".into(),
            },
            NameRule {
                pattern: NamePattern::parse("us-east-1.elb.amazonaws.com").expect("valid"),
                component: "aws/us-east-1/elb".into(),
            },
        ];
        let hit = best_name_match(&rules, "Lb-1.US-EAST-1.elb.amazonaws.com.").expect("match");
        assert_eq!(hit.component, "aws/us-east-1/elb");
        assert!(best_name_match(&rules, "example.com").is_none());
    }

    #[test]
    fn header_values_match_case_insensitively() {
        let rule = HeaderRule {
            name: "server".into(),
            value: ValueMatch::Equals("cloudflare".into()),
            weight: 0.9,
            component: "cloudflare".into(),
        };
        assert!(rule.matches("Server", " Cloudflare "));
        assert!(!rule.matches("server", "cloudflare-nginx"));
        assert!(ValueMatch::Prefix("cache-".into()).matches("cache-cdg20731-CDG"));
        assert!(ValueMatch::Contains("from cloudfront".into()).matches("Miss from cloudfront"));
    }
}
