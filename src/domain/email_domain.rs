//! Email domains as organizations claim them (`orgs set-domain ORG acme.com`), and the
//! domain of an address: lower case, ASCII (internationalized names in their `xn--`
//! form), at least two labels.

/// `text` as a domain to store and compare, or why it is not one.
pub fn normalize(text: &str) -> Result<String, String> {
    let domain = text
        .trim()
        .trim_start_matches('@')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if domain.len() > 253 || labels.len() < 2 || !labels.iter().all(label_ok) {
        return Err(format!(
            "'{}' is not a domain such as acme.com",
            text.trim().chars().take(80).collect::<String>()
        ));
    }
    if labels
        .last()
        .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(format!("'{domain}' is an address, not a domain"));
    }
    Ok(domain)
}

/// The domain of an email address, normalized; `None` when it has none.
pub(crate) fn of_address(address: &str) -> Option<String> {
    let (_, domain) = address.trim().rsplit_once('@')?;
    normalize(domain).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_lower_case_ascii_with_two_labels_or_more() {
        assert_eq!(normalize(" @Acme.COM. ").unwrap(), "acme.com");
        assert_eq!(normalize("mail.acme.co.uk").unwrap(), "mail.acme.co.uk");
        assert_eq!(normalize("xn--bcher-kva.de").unwrap(), "xn--bcher-kva.de");
        for bad in [
            "acme",
            "acme..com",
            "-acme.com",
            "acme_corp.com",
            "bücher.de",
            "10.0.0.1",
            "",
        ] {
            assert!(normalize(bad).is_err(), "{bad}");
        }
        assert_eq!(of_address("Pat@Acme.com").as_deref(), Some("acme.com"));
        assert_eq!(of_address("pat"), None);
    }
}
