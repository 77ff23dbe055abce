//! `checkout-bot orgs set-approval-chain`, `orgs set-budget`, and the chain and budget
//! lines of `orgs show`: how an organization's orders are approved, and its budget.

use anyhow::{Context, bail};
use checkout_bot::domain::account::Role;
use checkout_bot::domain::approval_chain::{Applies, Approvers, Chain, Rule, parse_chain};
use checkout_bot::domain::budget::{Budget, Period};
use checkout_bot::services::approvals::Approvals;
use checkout_bot::store::Store;

use super::members::{KnownPlatform, identity_on};

/// Reads a chain file, resolves the people it names to accounts (each must be a member
/// of the organization, so the request reaches them and they see it in /approvals), and
/// saves it in place of the organization's chain.
pub(crate) async fn set_chain(
    store: &Store,
    known: &[KnownPlatform],
    org: &str,
    file: &str,
) -> anyhow::Result<Chain> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {file}"))?;
    let draft = parse_chain(&text).map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
    let mut steps = Vec::new();
    for (i, (mut step, named)) in draft.into_iter().enumerate() {
        if let Some(named) = named {
            let mut ids = Vec::new();
            for who in named {
                let id = account_named(store, known, org, &who)
                    .await
                    .with_context(|| format!("{file}: step {}", i + 1))?;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            step.approvers = Approvers::People(ids);
        }
        steps.push(step);
    }
    let chain = Chain { steps };
    store.set_approval_chain(org, &chain).await?;
    Ok(chain)
}

/// The account an entry of `approvers` names: an account id, or `platform:user`, or
/// `platform:workspace:user`.
async fn account_named(
    store: &Store,
    known: &[KnownPlatform],
    org: &str,
    who: &str,
) -> anyhow::Result<String> {
    let who = who.trim();
    let account = if who.starts_with("acct_") {
        store
            .account(who)
            .await?
            .map(|a| a.id)
            .with_context(|| format!("no account {who}"))?
    } else {
        let identity = match who.split(':').collect::<Vec<_>>()[..] {
            [platform, user] => identity_on(known, platform, None, user)?,
            [platform, workspace, user] => identity_on(known, platform, Some(workspace), user)?,
            _ => bail!(
                "'{who}' names nobody: write an account id (acct_…), platform:user or \
                 platform:workspace:user"
            ),
        };
        store.account_id_for(&identity).await?.with_context(|| {
            format!("{identity} has no account: add them with `checkout-bot members add`")
        })?
    };
    if store.role_in(org, &account).await?.is_none() {
        bail!(
            "{who} is not a member of {org}: add them with `checkout-bot members add --org {org}` first"
        );
    }
    Ok(account)
}

/// `--per` and `--amount` of `orgs set-budget`: a budget, or `None` for `--amount none`.
pub(crate) fn budget_args(per: Option<&str>, amount: &str) -> anyhow::Result<Option<Budget>> {
    if amount.trim().eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let Some(per) = per else {
        bail!("say the period with --per month, --per quarter or --per year");
    };
    let period =
        Period::parse(per).with_context(|| format!("--per {per}: use month, quarter or year"))?;
    let amount = Approvals::parse_limit(amount).map_err(|e| anyhow::anyhow!("--amount {e}"))?;
    Ok(Some(Budget { period, amount }))
}

/// The chain and budget lines of `orgs show`.
pub(crate) async fn show(
    store: &Store,
    org: &str,
    money: &dyn Fn(rust_decimal::Decimal) -> String,
) -> anyhow::Result<()> {
    let chain = store.approval_chain(org).await?;
    if chain.steps.is_empty() {
        println!("approval chain: none (the policy above is one step: any approver or admin)");
    } else {
        println!(
            "approval chain: {} steps, in place of the policy above",
            chain.steps.len()
        );
    }
    for (i, s) in chain.steps.iter().enumerate() {
        let applies = match &s.applies {
            Applies::Always => "every order".to_string(),
            Applies::Above(a) => format!("orders above {}", money(*a)),
            Applies::Po => "orders with a PO number".to_string(),
        };
        let who = match &s.approvers {
            Approvers::Role(Role::Admin) => "the admins".to_string(),
            Approvers::Role(_) => "the approvers and admins".to_string(),
            Approvers::People(ids) => {
                let mut names = Vec::new();
                for id in ids {
                    let name = store.account(id).await?.map(|a| a.display_name);
                    names.push(format!("{} ({id})", name.unwrap_or_default()));
                }
                names.join(", ")
            }
        };
        let rule = match s.rule {
            Rule::Any => "any one of",
            Rule::All => "all of",
        };
        println!(
            "approval step {}: {} — {applies}, decided by {rule} {who}",
            i + 1,
            s.name
        );
    }
    match store.budget(org).await? {
        Some(b) => println!("budget: {} per {}", money(b.amount), b.period.as_str()),
        None => println!("budget: none"),
    }
    Ok(())
}
