//! Demo data: what an empty database gets in demo mode, so a newcomer can try a whole
//! checkout with no setup.

use std::collections::HashSet;

use crate::domain::account::{Identity, LinkedVia, Organization, Role};
use crate::domain::card::SavedCard;
use crate::import;
use crate::store::{Result, Store, StoreError};

/// The demo organizations. The demo user belongs to the first two; the third exists so
/// that "someone else's deployment" can be tried.
pub(crate) const ORGS: [(&str, &str); 3] = [
    ("ORG-ACME", "Acme Telecom"),
    ("ORG-BOREALIS", "Borealis Health"),
    ("ORG-COBALT", "Cobalt Logistics"),
];

/// The organizations a demo buyer (and any user enrolled in demo mode) belongs to.
pub(crate) const BUYER_ORGS: [&str; 2] = ["ORG-ACME", "ORG-BOREALIS"];

/// Loads the demo catalog, organizations, deployments and users, if the database is empty.
/// Returns whether anything was loaded. Processes starting together take turns, so the
/// demo data is loaded once.
pub async fn seed_if_empty(store: &Store) -> Result<bool> {
    let lock = store.startup_lock().await?;
    let seeded = seed_locked(store).await;
    lock.release().await;
    seeded
}

/// Whether the demo organizations buyers are enrolled into are in the database.
pub(crate) async fn present(store: &Store) -> Result<bool> {
    let orgs = store.orgs().await?;
    Ok(BUYER_ORGS.iter().all(|id| orgs.iter().any(|o| o.id == *id)))
}

async fn seed_locked(store: &Store) -> Result<bool> {
    if !store.is_empty().await? {
        return Ok(false);
    }
    let catalog = import::catalog::demo_catalog();
    store.save_catalog(&catalog, "demo").await?;
    for (id, name) in ORGS {
        store
            .upsert_org(&Organization {
                id: id.into(),
                name: name.into(),
            })
            .await?;
    }
    let known: HashSet<String> = ORGS.iter().map(|(id, _)| id.to_string()).collect();
    let deployments = import::deployments::parse(import::deployments::DEMO_DEPLOYMENTS, &known)
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    store.upsert_deployments(&deployments).await?;

    let buyer = enrol(
        store,
        &Identity::new("console", "local", "demo"),
        "Demo Buyer",
    )
    .await?;
    // A saved sandbox card, so a returning buyer's quick repeat order can be tried.
    let card = SavedCard {
        id: String::new(),
        brand: "Visa".into(),
        last4: "4242".into(),
        exp_month: 12,
        exp_year: 2030,
        token: "tok_sandbox_visa".into(),
    };
    store.add_card(&buyer, &card).await?;
    let approver = store
        .create_account("Demo Approver", Some(BUYER_ORGS[0]))
        .await?;
    store
        .set_membership(&approver, BUYER_ORGS[0], Role::Approver)
        .await?;
    store
        .link_identity(
            &Identity::new("console", "local", "approver"),
            &approver,
            LinkedVia::Demo,
        )
        .await?;
    tracing::info!(buyer, deployments = deployments.len(), "loaded demo data");
    Ok(true)
}

/// Creates a buyer account in the demo organizations for a chat identity. If another
/// process linked the identity first, that account is returned instead.
pub async fn enrol(store: &Store, who: &Identity, display_name: &str) -> Result<String> {
    let account = store
        .create_account(display_name, Some(BUYER_ORGS[0]))
        .await?;
    for org in BUYER_ORGS {
        store.set_membership(&account, org, Role::Buyer).await?;
    }
    if store.link_identity(who, &account, LinkedVia::Demo).await? {
        return Ok(account);
    }
    store
        .account_id_for(who)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("identity {who} vanished while enrolling")))
}
