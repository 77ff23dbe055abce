//! Stripe as the gateway, against `localstripe` (`TEST_STRIPE_URL`, started by
//! `.ci/run`), without a browser: a saved card charged off-session for a chat checkout,
//! one customer per account, refunds through Stripe, a card Stripe declines when charged,
//! and a removed card detached at Stripe. (Entering a card in Stripe's fields is in
//! `tests/browser.rs`.)

mod common;

use checkout_bot::domain::account::Identity;
use checkout_bot::domain::card::SavedCard;
use checkout_bot::domain::order::OrderStatus;
use checkout_bot::engine::event::Event;
use checkout_bot::engine::view::ActionKind;
use common::discord::Server;
use common::stripe;

/// A Stripe card of `who`'s account, saved as the card page would save it.
async fn saved_card(s: &Server, base: &str, who: &Identity, number: &str) -> (String, String) {
    // The first event enrols the demo buyer.
    s.bot.respond(who, "en", Event::Start).await.unwrap();
    let store = s.bot.store();
    let account = store.account_id_for(who).await.unwrap().unwrap();
    let gateway = s.bot.stripe().expect("stripe is the gateway");
    let customer = gateway.customer_for(store, &account, "Dana").await.unwrap();
    let again = gateway.customer_for(store, &account, "Dana").await.unwrap();
    assert_eq!(customer, again, "one customer per account");
    let pm = stripe::post(
        base,
        "/v1/payment_methods",
        &[
            ("type", "card"),
            ("card[number]", number),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2030"),
            ("card[cvc]", "123"),
        ],
    )
    .await;
    let pm = pm["id"].as_str().expect("a payment method").to_string();
    stripe::post(
        base,
        &format!("/v1/payment_methods/{pm}/attach"),
        &[("customer", &customer)],
    )
    .await;
    let card = SavedCard {
        id: String::new(),
        brand: "Visa".into(),
        last4: number[number.len() - 4..].into(),
        exp_month: 12,
        exp_year: 2030,
        token: format!("{customer}:{pm}"),
    };
    let id = store.add_card(&account, &card).await.unwrap();
    (id, pm)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_stripe_card_pays_is_refunded_and_is_detached_when_removed() {
    let Some(base) = stripe::localstripe("Stripe saved card") else {
        return;
    };
    let gateway = stripe::gateway(&base);
    let s = Server::start_configured(move |config, _| config.payments = gateway, |_| {}).await;
    let who = Identity::new("console", "local", "saved-stripe");
    let (card, pm) = saved_card(&s, &base, &who, "4242424242424242").await;
    let r = s.pay_with(&who, &format!("card:{card}")).await;
    assert_eq!(r.view.step, "po", "{:?}", r.notice);
    let r = s.place(&who).await;
    assert_eq!(r.view.step, "placed", "{:?}", r.notice);
    let store = s.bot.store();
    let account = store.account_id_for(&who).await.unwrap().unwrap();
    let order = store.orders(&account, None, 1).await.unwrap().remove(0);
    assert_eq!(order.status, OrderStatus::Paid);
    let pi = store.charge_ref(&order.number).await.unwrap().unwrap();
    assert!(pi.starts_with("pi_"), "{pi}");

    // Refunds go through Stripe, a part and then the rest.
    let refunds = checkout_bot::services::refunds::Refunds::new(store.clone(), s.bot.payments());
    let part = refunds
        .refund(&order.number, Some("100.00".parse().unwrap()), "operator")
        .await
        .unwrap();
    assert!(part.gateway_ref.starts_with("re_"), "{}", part.gateway_ref);
    let rest = refunds
        .refund(&order.number, None, "operator")
        .await
        .unwrap();
    assert!(rest.left.amount.is_zero());
    let at_stripe = stripe::get(&base, &format!("/v1/refunds/{}", rest.gateway_ref)).await;
    assert_eq!(at_stripe["payment_intent"], pi.as_str(), "{at_stripe}");
    assert_eq!(
        store
            .order_by_number(&order.number)
            .await
            .unwrap()
            .unwrap()
            .status,
        OrderStatus::Refunded
    );

    // Removing the card in /cards detaches it at Stripe.
    let r = s
        .bot
        .respond(&who, "en", Event::from_line("/cards"))
        .await
        .unwrap();
    let select = r
        .view
        .actions
        .iter()
        .find(|a| matches!(a.kind, ActionKind::Select { .. }))
        .expect("the cards select")
        .id
        .clone();
    let r = s
        .bot
        .respond(
            &who,
            "en",
            Event::Choose {
                action: select,
                values: vec![card.clone()],
            },
        )
        .await
        .unwrap();
    let yes = r.view.labelled("Yes, remove it").expect("a confirmation").id.clone();
    s.bot
        .respond(&who, "en", Event::Click { action: yes })
        .await
        .unwrap();
    assert!(store.cards(&account).await.unwrap().is_empty());
    let at_stripe = stripe::get(&base, &format!("/v1/payment_methods/{pm}")).await;
    assert!(at_stripe["customer"].is_null(), "detached: {at_stripe}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_stripe_declines_when_charged_brings_the_buyer_back_to_payment() {
    let Some(base) = stripe::localstripe("Stripe decline") else {
        return;
    };
    let gateway = stripe::gateway(&base);
    let s = Server::start_configured(move |config, _| config.payments = gateway, |_| {}).await;
    let who = Identity::new("console", "local", "declined-stripe");
    let (card, _) = saved_card(&s, &base, &who, "4000000000000341").await;
    s.pay_with(&who, &format!("card:{card}")).await;
    let r = s.place(&who).await;
    assert_eq!(r.view.step, "payment", "{:?}", r.view);
    let said = r.notice.expect("why").text;
    assert!(said.to_lowercase().contains("declined"), "{said}");
    let store = s.bot.store();
    let account = store.account_id_for(&who).await.unwrap().unwrap();
    let order = store.orders(&account, None, 1).await.unwrap().remove(0);
    assert_eq!(order.status, OrderStatus::PaymentFailed);
}
