//! Shipping addresses: the countries we ship to and the checks on each field.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

/// A country we ship to: ISO code, name, shipping zone, and its postal-code rule.
pub(crate) struct Country {
    pub code: &'static str,
    pub zone: Zone,
    /// Whether a state or province is part of the address.
    pub needs_region: bool,
    postal: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Zone {
    Domestic,
    NorthAmerica,
    Europe,
    RestOfWorld,
}

pub(crate) const COUNTRIES: &[Country] = &[
    Country {
        code: "US",
        zone: Zone::Domestic,
        needs_region: true,
        postal: r"^\d{5}(-\d{4})?$",
    },
    Country {
        code: "CA",
        zone: Zone::NorthAmerica,
        needs_region: true,
        postal: r"^[A-Z]\d[A-Z] ?\d[A-Z]\d$",
    },
    Country {
        code: "MX",
        zone: Zone::NorthAmerica,
        needs_region: true,
        postal: r"^\d{5}$",
    },
    Country {
        code: "GB",
        zone: Zone::Europe,
        needs_region: false,
        postal: r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$",
    },
    Country {
        code: "IE",
        zone: Zone::Europe,
        needs_region: false,
        postal: r"^[A-Z\d]{3} ?[A-Z\d]{4}$",
    },
    Country {
        code: "DE",
        zone: Zone::Europe,
        needs_region: false,
        postal: r"^\d{5}$",
    },
    Country {
        code: "FR",
        zone: Zone::Europe,
        needs_region: false,
        postal: r"^\d{5}$",
    },
    Country {
        code: "NL",
        zone: Zone::Europe,
        needs_region: false,
        postal: r"^\d{4} ?[A-Z]{2}$",
    },
    Country {
        code: "ES",
        zone: Zone::Europe,
        needs_region: false,
        postal: r"^\d{5}$",
    },
    Country {
        code: "IT",
        zone: Zone::Europe,
        needs_region: false,
        postal: r"^\d{5}$",
    },
    Country {
        code: "AU",
        zone: Zone::RestOfWorld,
        needs_region: true,
        postal: r"^\d{4}$",
    },
    Country {
        code: "NZ",
        zone: Zone::RestOfWorld,
        needs_region: false,
        postal: r"^\d{4}$",
    },
    Country {
        code: "JP",
        zone: Zone::RestOfWorld,
        needs_region: true,
        postal: r"^\d{3}-?\d{4}$",
    },
    Country {
        code: "SG",
        zone: Zone::RestOfWorld,
        needs_region: false,
        postal: r"^\d{6}$",
    },
    Country {
        code: "IN",
        zone: Zone::RestOfWorld,
        needs_region: true,
        postal: r"^\d{6}$",
    },
    Country {
        code: "BR",
        zone: Zone::RestOfWorld,
        needs_region: true,
        postal: r"^\d{5}-?\d{3}$",
    },
    Country {
        code: "ZA",
        zone: Zone::RestOfWorld,
        needs_region: false,
        postal: r"^\d{4}$",
    },
];

pub(crate) fn country(code: &str) -> Option<&'static Country> {
    COUNTRIES.iter().find(|c| c.code == code)
}

/// US states and Canadian provinces, by code, checked where a region is required.
const US_STATES: &str = "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR";
const CA_PROVINCES: &str = "AB BC MB NB NL NS NT NU ON PE QC SK YT";

/// The form's field ids, in order (at most five, to fit the smallest platform's modal).
pub(crate) const FIELDS: [&str; 5] = ["name", "street", "city", "region", "postal_code"];

/// A checked address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub name: String,
    /// One or two lines.
    pub street: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
}

impl Address {
    pub(crate) fn one_line(&self) -> String {
        let street = self.street.replace('\n', ", ");
        let region = if self.region.is_empty() {
            String::new()
        } else {
            format!(" {}", self.region)
        };
        format!(
            "{}, {street}, {}{region} {}, {}",
            self.name, self.city, self.postal_code, self.country
        )
    }
}

/// What is wrong with one field. The engine turns it into a message naming the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldError {
    pub(crate) field: &'static str,
    pub(crate) problem: Problem,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Problem {
    Missing,
    TooLong,
    TooManyLines,
    UnknownRegion,
    BadPostalCode,
    UnknownCountry,
}

/// Checks a submitted form for a country; trims and normalizes what it keeps.
pub(crate) fn validate(
    fields: &BTreeMap<String, String>,
    country_code: &str,
) -> Result<Address, FieldError> {
    let err = |field, problem| FieldError { field, problem };
    let c = country(country_code).ok_or(err("country", Problem::UnknownCountry))?;
    let get = |k: &str| {
        fields
            .get(k)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let text = |field: &'static str, max: usize, required: bool| -> Result<String, FieldError> {
        let v = get(field);
        if required && v.is_empty() {
            return Err(err(field, Problem::Missing));
        }
        if v.chars().count() > max {
            return Err(err(field, Problem::TooLong));
        }
        Ok(v)
    };
    let name = text("name", 100, true)?;
    let street = text("street", 200, true)?;
    let street_lines: Vec<&str> = street
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if street_lines.len() > 2 {
        return Err(err("street", Problem::TooManyLines));
    }
    let street = street_lines.join("\n");
    let city = text("city", 100, true)?;
    let mut region = text("region", 100, c.needs_region)?;
    let known = match c.code {
        "US" => Some(US_STATES),
        "CA" => Some(CA_PROVINCES),
        _ => None,
    };
    if let Some(list) = known {
        region = region.to_ascii_uppercase();
        if !list.split(' ').any(|s| s == region) {
            return Err(err("region", Problem::UnknownRegion));
        }
    }
    let postal_code = text("postal_code", 12, true)?.to_ascii_uppercase();
    static RULES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
        COUNTRIES
            .iter()
            .map(|c| {
                Regex::new(c.postal).unwrap_or_else(|e| panic!("postal rule for {}: {e}", c.code))
            })
            .collect()
    });
    let rule = COUNTRIES
        .iter()
        .position(|x| x.code == c.code)
        .and_then(|i| RULES.get(i));
    if !rule.is_some_and(|r| r.is_match(&postal_code)) {
        return Err(err("postal_code", Problem::BadPostalCode));
    }
    Ok(Address {
        name,
        street,
        city,
        region,
        postal_code,
        country: c.code.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn good_us() -> BTreeMap<String, String> {
        form(&[
            ("name", " Dana Reyes "),
            ("street", "500 Main St\nSuite 2"),
            ("city", "Austin"),
            ("region", "tx"),
            ("postal_code", "78701"),
        ])
    }

    #[test]
    fn a_good_address_is_normalized() {
        let a = validate(&good_us(), "US").unwrap();
        assert_eq!((a.name.as_str(), a.region.as_str()), ("Dana Reyes", "TX"));
        assert_eq!(
            a.one_line(),
            "Dana Reyes, 500 Main St, Suite 2, Austin TX 78701, US"
        );
        let mut ca = good_us();
        ca.insert("region".into(), "on".into());
        ca.insert("postal_code".into(), "k1a 0b1".into());
        assert_eq!(validate(&ca, "CA").unwrap().postal_code, "K1A 0B1");
        let mut gb = good_us();
        gb.insert("region".into(), String::new());
        gb.insert("postal_code".into(), "SW1A 1AA".into());
        assert!(validate(&gb, "GB").is_ok(), "no region needed in the UK");
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases: [(&str, &str, Problem); 6] = [
            ("name", "  ", Problem::Missing),
            ("street", "a\nb\nc", Problem::TooManyLines),
            ("city", &"x".repeat(101), Problem::TooLong),
            ("region", "ZZ", Problem::UnknownRegion),
            ("postal_code", "7870", Problem::BadPostalCode),
            ("postal_code", "ABCDE", Problem::BadPostalCode),
        ];
        for (field, value, problem) in cases {
            let mut f = good_us();
            f.insert(field.into(), value.into());
            assert_eq!(
                validate(&f, "US"),
                Err(FieldError { field, problem }),
                "{field}={value:?}"
            );
        }
        assert_eq!(
            validate(&good_us(), "XX").unwrap_err().problem,
            Problem::UnknownCountry
        );
    }

    #[test]
    fn every_country_fits_one_select_and_has_a_valid_rule() {
        assert!(COUNTRIES.len() <= 25);
        let mut f = good_us();
        f.insert("postal_code".into(), "0".into());
        for c in COUNTRIES {
            // Forces every rule to compile; "0" matches none of them.
            assert!(validate(&f, c.code).is_err(), "{}", c.code);
        }
    }
}
