//! `checkout-bot members`: linking chat users to organizations with a role.

use anyhow::bail;
use checkout_bot::domain::account::{Identity, LinkedVia, Role};
use checkout_bot::store::Store;
use clap::{Args, Subcommand};

use super::{clean_name, utc_time};

#[derive(Subcommand)]
pub enum MembersCommand {
    /// Give a chat user a role in an organization, creating their account if needed.
    Add {
        #[command(flatten)]
        member: Member,
        #[arg(long)]
        role: Role,
        /// Display name for a new account (default: the user id).
        #[arg(long)]
        name: Option<String>,
    },
    List {
        #[arg(long)]
        org: Option<String>,
    },
    Remove(Member),
}

/// A chat user in an organization, as `add` and `remove` name them.
#[derive(Args)]
pub(crate) struct Member {
    #[arg(long)]
    org: String,
    #[arg(long)]
    platform: String,
    /// Workspace or guild; defaults to the platform's global one (console: local, and
    /// otherwise the platform's own name).
    #[arg(long)]
    workspace: Option<String>,
    #[arg(long)]
    user: String,
}

/// A platform people can be linked on, as `main.rs`'s platform list registers it.
pub(crate) struct KnownPlatform {
    pub name: &'static str,
    /// The workspace an identity has when none is given; `None` when one must be.
    pub workspace: Option<&'static str>,
}

/// The chat identity an operator named: the platform must be one this binary serves,
/// and a platform whose users belong to a workspace needs `--workspace`, so nothing is
/// stored that could never match a person.
pub(crate) fn identity_on(
    known: &[KnownPlatform],
    platform: &str,
    workspace: Option<&str>,
    user: &str,
) -> anyhow::Result<Identity> {
    let Some(p) = known.iter().find(|p| p.name == platform) else {
        let names: Vec<&str> = known.iter().map(|p| p.name).collect();
        bail!(
            "--platform {platform} is not a platform this bot serves: use one of {}",
            names.join(", ")
        );
    };
    let workspace = match (
        workspace.map(str::trim).filter(|w| !w.is_empty()),
        p.workspace,
    ) {
        (Some(given), _) => given,
        (None, Some(default)) => default,
        (None, None) => bail!(
            "--platform {platform} needs --workspace: the workspace (team) id the user belongs to"
        ),
    };
    if user.trim().is_empty() {
        bail!("--user must not be empty");
    }
    Ok(Identity::new(platform, workspace, user.trim()))
}

impl Member {
    fn identity(&self, known: &[KnownPlatform]) -> anyhow::Result<Identity> {
        identity_on(known, &self.platform, self.workspace.as_deref(), &self.user)
    }
}

pub(crate) async fn run(
    store: &Store,
    cmd: MembersCommand,
    known: &[KnownPlatform],
) -> anyhow::Result<()> {
    match cmd {
        MembersCommand::Add { member, role, name } => {
            let (org, user) = (&member.org, &member.user);
            if let Some(name) = &name {
                clean_name(name)?;
            }
            if !store.orgs().await?.iter().any(|o| o.id == *org) {
                bail!(
                    "no organization {org}: add it with `checkout-bot orgs add {org} --name NAME`"
                );
            }
            let who = member.identity(known)?;
            let account = match store.account_id_for(&who).await? {
                Some(id) => id,
                None => {
                    let id = store
                        .create_account(name.as_deref().unwrap_or(user), Some(org))
                        .await?;
                    if !store.link_identity(&who, &id, LinkedVia::Cli).await? {
                        bail!("{who} was linked by someone else just now; run the command again");
                    }
                    id
                }
            };
            store.set_membership(&account, org, role).await?;
            store.default_org_if_unset(&account, org).await?;
            println!("{who} is now {} of {org}", role.as_str());
        }
        MembersCommand::List { org } => {
            if let Some(org) = &org
                && !store.orgs().await?.iter().any(|o| o.id == *org)
            {
                bail!("no organization {org}: see `checkout-bot orgs list`");
            }
            for m in store.members(org.as_deref()).await? {
                let who = match (m.platform, m.workspace, m.user_id) {
                    (Some(p), Some(w), Some(u)) => format!("{p}:{w}:{u}"),
                    _ => "(no chat identity)".into(),
                };
                let linked = match (m.linked_via, m.linked_at) {
                    (Some(via), Some(at)) => format!("linked by {via} {}", utc_time(at)),
                    _ => "-".into(),
                };
                println!(
                    "{}\t{}\t{}\t{}\t{linked}",
                    m.org_id, m.role, who, m.display_name
                );
            }
        }
        MembersCommand::Remove(member) => {
            let org = &member.org;
            let who = member.identity(known)?;
            let Some(account) = store.account_id_for(&who).await? else {
                bail!("{who} is not linked to any account");
            };
            if store.remove_membership(&account, org).await? {
                let left = store
                    .account(&account)
                    .await?
                    .map_or(0, |a| a.memberships.len());
                if left == 0 {
                    println!(
                        "{who} removed from {org}. That was their last organization: they can \
                         no longer start or place orders (their orders and saved cards are kept). \
                         Add them to an organization to let them buy again."
                    );
                } else if left == 1 {
                    println!("{who} removed from {org}; they still belong to 1 other organization");
                } else {
                    println!(
                        "{who} removed from {org}; they still belong to {left} other organizations"
                    );
                }
            } else {
                bail!("{who} is not a member of {org}");
            }
        }
    }
    Ok(())
}
