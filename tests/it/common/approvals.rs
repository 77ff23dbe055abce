//! An organization that asks approval, its approvers on any platform, and what a test
//! reads back of the decisions: shared by the approval tests of every platform.

use checkout_bot::domain::account::{Identity, LinkedVia, Role};
use checkout_bot::domain::approval::Policy;
use checkout_bot::domain::order::OrderStatus;
use checkout_bot::store::Store;

/// `org` asks approval for every order with a PO number.
pub async fn require_po(store: &Store, org: &str) {
    store
        .set_policy(
            org,
            &Policy {
                po_required: true,
                limit: None,
            },
        )
        .await
        .unwrap();
}

/// A new account `name`, an approver of `org`, reached as `who`; its id.
pub async fn approver(store: &Store, org: &str, who: &Identity, name: &str) -> String {
    let account = store.create_account(name, Some(org)).await.unwrap();
    store
        .set_membership(&account, org, Role::Approver)
        .await
        .unwrap();
    store
        .link_identity(who, &account, LinkedVia::Cli)
        .await
        .unwrap();
    account
}

/// The decisions recorded on order `number`'s requests ("approved by Ann (acct_…)"),
/// from its audit trail.
pub async fn decisions(store: &Store, number: &str) -> Vec<String> {
    store
        .audit_for(number)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action.starts_with("approval ") && e.old_value.as_deref() == Some("pending"))
        .filter_map(|e| e.new_value)
        .collect()
}

pub async fn status(store: &Store, number: &str) -> OrderStatus {
    store.order_by_number(number).await.unwrap().unwrap().status
}
