//! Reads the issuer's organization (O) and common name (CN) out of a DER certificate: just
//! enough X.509 to walk to the issuer Name, with every length checked against the input. Kept
//! here rather than pulling a full X.509 parser for two strings.

/// OID 2.5.4.3 (commonName), DER body.
const OID_CN: &[u8] = &[0x55, 0x04, 0x03];
/// OID 2.5.4.10 (organizationName), DER body.
const OID_O: &[u8] = &[0x55, 0x04, 0x0a];

/// One DER element: tag, content, and the rest of the input after it.
fn element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[count..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

fn string_value(tag: u8, content: &[u8]) -> Option<String> {
    match tag {
        // UTF8String, PrintableString, IA5String, TeletexString (read as Latin-1-ish ASCII)
        0x0c | 0x13 | 0x16 | 0x14 => Some(String::from_utf8_lossy(content).into_owned()),
        // BMPString: UTF-16BE
        0x1e => {
            let units: Vec<u16> = content
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        _ => None,
    }
}

/// `O=…, CN=…` of the certificate's issuer (whichever are present), or `None` when the input
/// is not a certificate this walker understands.
pub fn issuer(der: &[u8]) -> Option<String> {
    let (tag, cert, _) = element(der)?;
    if tag != 0x30 {
        return None;
    }
    let (tag, tbs, _) = element(cert)?;
    if tag != 0x30 {
        return None;
    }
    let mut rest = tbs;
    // Optional [0] EXPLICIT version.
    let (tag, _, after) = element(rest)?;
    if tag == 0xa0 {
        rest = after;
    }
    // serialNumber INTEGER, signature AlgorithmIdentifier.
    let (tag, _, after) = element(rest)?;
    if tag != 0x02 {
        return None;
    }
    let (tag, _, after) = element(after)?;
    if tag != 0x30 {
        return None;
    }
    // issuer Name ::= SEQUENCE OF RelativeDistinguishedName (SET OF AttributeTypeAndValue)
    let (tag, mut rdns, _) = element(after)?;
    if tag != 0x30 {
        return None;
    }
    let mut organization = None;
    let mut common_name = None;
    while !rdns.is_empty() {
        let (tag, mut set, next) = element(rdns)?;
        rdns = next;
        if tag != 0x31 {
            return None;
        }
        while !set.is_empty() {
            let (tag, atv, next) = element(set)?;
            set = next;
            if tag != 0x30 {
                return None;
            }
            let (tag, oid, value) = element(atv)?;
            if tag != 0x06 {
                return None;
            }
            let (vtag, vcontent, _) = element(value)?;
            if oid == OID_O {
                organization = string_value(vtag, vcontent);
            } else if oid == OID_CN {
                common_name = string_value(vtag, vcontent);
            }
        }
    }
    let parts: Vec<String> = [("O", organization), ("CN", common_name)]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={v}")))
        .collect();
    if parts.is_empty() {
        None
    } else {
        Some(parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_issuer_of_a_generated_certificate() {
        let mut params =
            rcgen::CertificateParams::new(vec!["leaf.test".to_string()]).expect("params");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("ca params");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "Example Trust, Inc.");
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Example ECC CA-3");
        let ca_key = rcgen::KeyPair::generate().expect("key");
        let ca = ca_params.self_signed(&ca_key).expect("ca");
        let issuer_obj = rcgen::Issuer::new(ca_params, ca_key);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "leaf.test");
        let leaf_key = rcgen::KeyPair::generate().expect("key");
        let leaf = params.signed_by(&leaf_key, &issuer_obj).expect("leaf");
        assert_eq!(
            issuer(leaf.der()).as_deref(),
            Some("O=Example Trust, Inc., CN=Example ECC CA-3")
        );
        assert!(issuer(ca.der()).is_some());
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert_eq!(issuer(&[]), None);
        assert_eq!(issuer(&[0x30, 0x82, 0xff]), None);
        assert_eq!(issuer(&[0x30, 0x03, 0x02, 0x01, 0x00]), None);
        let long = vec![0x30u8; 10_000];
        assert_eq!(issuer(&long), None);
    }
}
