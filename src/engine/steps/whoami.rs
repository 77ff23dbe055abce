//! `/whoami`: who this chat identity is to the store. The account it acts for, that
//! account's organizations and roles, how and when the identity was linked, and when a
//! sign-in from chat must be renewed.

use super::{Turn, footer};
use crate::domain::account::{LinkedVia, Role};
use crate::engine::backend::BackendError;
use crate::engine::session::Session;
use crate::engine::view::View;

pub(crate) async fn render(s: &Session, t: &Turn<'_>) -> Result<View, BackendError> {
    let account = t.backend.account(t.account_id).await?;
    let link = t.backend.identity_link(t.who).await?;
    let mut v = View::new("whoami", t.lang.t("whoami.title"));
    v.body = t.lang.t("whoami.body");
    v.field(t.lang.t("whoami.account"), account.display_name.clone());
    let orgs: Vec<String> = account
        .memberships
        .iter()
        .map(|m| {
            let role = t.lang.t(match m.role {
                Role::Buyer => "whoami.role_buyer",
                Role::Approver => "whoami.role_approver",
                Role::Admin => "whoami.role_admin",
            });
            format!("{} · {role}", m.org.name)
        })
        .collect();
    v.field(
        t.lang.t("whoami.organizations"),
        if orgs.is_empty() {
            t.lang.t("whoami.no_organizations")
        } else {
            orgs.join(", ")
        },
    );
    if let Some(link) = link {
        let key = match link.via {
            LinkedVia::Cli => "whoami.linked_cli",
            LinkedVia::Demo => "whoami.linked_demo",
            LinkedVia::Oidc => "whoami.linked_oidc",
            LinkedVia::Email => "whoami.linked_email",
        };
        v.field(
            t.lang.t("whoami.linked"),
            t.lang.f(key, &[("date", &t.lang.date(link.at))]),
        );
        if let (LinkedVia::Oidc | LinkedVia::Email, Some(valid)) =
            (link.via, t.settings.sign_in_valid_ms)
        {
            v.field(
                t.lang.t("whoami.renew"),
                t.lang.date(link.at.saturating_add(valid)),
            );
        }
    }
    footer(&mut v, s, t, true);
    Ok(v)
}
