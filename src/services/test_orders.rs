//! Orders for the services' tests: placed by the demo buyer, awaiting payment, with no
//! lines, stored as a checkout would store them.

use crate::domain::account::Identity;
use crate::domain::money::{Currency, Money};
use crate::domain::order::{NewOrder, Order, OrderKind, OrderStatus, Payment};
use crate::store::Store;

/// An order of `total` US dollars paid by `payment`, under idempotency key `key`.
pub(crate) async fn placed(store: &Store, payment: Payment, key: &str, total: i64) -> Order {
    let account = store
        .account_id_for(&Identity::new("console", "local", "demo"))
        .await
        .unwrap()
        .unwrap();
    let usd = Money::new(rust_decimal::Decimal::from(total), Currency::usd());
    let order = Order {
        number: store.next_order_number().await.unwrap(),
        kind: OrderKind::Order,
        status: OrderStatus::AwaitingPayment,
        created_at: 1,
        details: NewOrder {
            key: key.into(),
            account_id: account,
            placed_by: "Demo Buyer".into(),
            placed_via: None,
            lines: Vec::new(),
            delivery: None,
            payment,
            po_number: None,
            subtotal: usd.clone(),
            shipping: Money::zero(Currency::usd()),
            total: usd,
        },
    };
    assert!(store.insert_order_for_approval(&order, &[]).await.unwrap());
    order
}
