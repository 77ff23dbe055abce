//! Shipping rates, from the parcel's weight and the destination's zone (seed step 10).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::address::Zone;
use super::money::{Currency, Money};

/// A shipping service and its price for one parcel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rate {
    pub id: String,
    pub name: String,
    pub days: String,
    pub price: Money,
}

/// (id, name, delivery time, base price, price per started kg) per zone, in cents.
/// Overnight goes only within the country.
fn table(zone: Zone) -> &'static [(&'static str, &'static str, &'static str, i64, i64)] {
    match zone {
        Zone::Domestic => &[
            ("ground", "Ground", "3–5 business days", 995, 150),
            ("express", "Express", "2 business days", 1995, 300),
            ("overnight", "Overnight", "next business day", 3995, 500),
        ],
        Zone::NorthAmerica => &[
            (
                "standard",
                "International Standard",
                "5–8 business days",
                2495,
                400,
            ),
            (
                "express",
                "International Express",
                "2–3 business days",
                4995,
                700,
            ),
        ],
        Zone::Europe | Zone::RestOfWorld => &[
            (
                "standard",
                "International Standard",
                "7–12 business days",
                3995,
                650,
            ),
            (
                "express",
                "International Express",
                "3–5 business days",
                6995,
                1100,
            ),
        ],
    }
}

/// The rates for a parcel of `weight_kg` to `zone`. Weight is charged per started kg.
pub(crate) fn rates(weight_kg: Decimal, zone: Zone, currency: &Currency) -> Vec<Rate> {
    let kilos = weight_kg.max(Decimal::ZERO).ceil();
    let surcharge = if zone == Zone::RestOfWorld {
        Decimal::new(1000, 2)
    } else {
        Decimal::ZERO
    };
    table(zone)
        .iter()
        .map(|(id, name, days, base, per_kg)| Rate {
            id: id.to_string(),
            name: name.to_string(),
            days: days.to_string(),
            price: Money::new(
                Decimal::new(*base, 2) + Decimal::new(*per_kg, 2) * kilos + surcharge,
                currency.clone(),
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn kg(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn price_grows_with_started_kilos_and_distance() {
        let usd = Currency::usd();
        let light = rates(kg("0.9"), Zone::Domestic, &usd);
        let heavy = rates(kg("2.1"), Zone::Domestic, &usd);
        assert_eq!(light[0].price.plain(), "USD 11.45");
        assert_eq!(heavy[0].price.plain(), "USD 14.45");
        let far = rates(kg("0.9"), Zone::RestOfWorld, &usd);
        assert_eq!(far[0].price.plain(), "USD 56.45");
        assert_eq!(light.len(), 3);
        assert!(
            rates(kg("1"), Zone::Europe, &usd)
                .iter()
                .all(|r| r.id != "overnight")
        );
    }
}
