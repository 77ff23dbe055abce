//! `/approvals`, whatever the platform: the requests waiting for me, or my delegation
//! (start one until a day, or end it). Channels read the options into an
//! `ApprovalsRequest` and render the `ApprovalsAnswer`.

use super::{ApprovalError, Approvals, Refusal};
use crate::domain::account::Identity;
use crate::services::notifier::RequestView;
use crate::store::Result;

/// What `/approvals` was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ApprovalsRequest {
    /// The requests I may decide now.
    List,
    /// End my running delegation.
    End,
    /// Let `to` decide for me until the end of `until` (YYYY-MM-DD, UTC).
    Delegate {
        to: Identity,
        /// How the platform names `to`, for a message if they are not set up.
        to_name: String,
        until: Option<String>,
    },
}

/// What to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ApprovalsAnswer {
    /// A private note; `refused` when nothing changed because the input was wrong.
    Note { text: String, refused: bool },
    /// Up to the asked number of requests, each with its buttons, under `title`.
    Pending {
        title: String,
        requests: Vec<RequestView>,
    },
}

fn note(text: String) -> ApprovalsAnswer {
    ApprovalsAnswer::Note {
        text,
        refused: false,
    }
}

fn refused(text: String) -> ApprovalsAnswer {
    ApprovalsAnswer::Note {
        text,
        refused: true,
    }
}

impl Approvals {
    /// Answers `/approvals` for `who`, in their `locale`, listing at most `shown`
    /// requests (the rest are counted in the title).
    pub(crate) async fn command(
        &self,
        who: &Identity,
        locale: &str,
        request: ApprovalsRequest,
        shown: usize,
    ) -> Result<ApprovalsAnswer> {
        let l = self.prompts.lang(locale);
        let Some(me) = self.store.account_id_for(who).await? else {
            return Ok(note(l.t("approval.pending_none")));
        };
        match request {
            ApprovalsRequest::End => Ok(note(l.t(if self.end_delegation(&me).await? {
                "approval.delegation_ended"
            } else {
                "approval.no_delegation"
            }))),
            ApprovalsRequest::Delegate { until: None, .. } => {
                Ok(refused(Refusal::DelegateNeedsUntil.text(&l)))
            }
            ApprovalsRequest::Delegate {
                to,
                to_name,
                until: Some(until),
            } => {
                let Some(delegate) = self.store.account_id_for(&to).await? else {
                    return Ok(refused(Refusal::DelegateUnknown { name: to_name }.text(&l)));
                };
                match self.delegate(&me, &delegate, &until).await {
                    Ok(d) => {
                        let name = self.name_of(&d.delegate_id).await?;
                        Ok(note(l.f(
                            "approval.delegated",
                            &[("delegate", &name), ("until", &l.date(d.ends_at - 1))],
                        )))
                    }
                    Err(ApprovalError::Refused(why)) => Ok(refused(why.text(&l))),
                    Err(ApprovalError::Store(e)) => Err(e),
                }
            }
            ApprovalsRequest::List => {
                let pending = self.pending_for(&me).await?;
                if pending.is_empty() {
                    return Ok(note(l.t("approval.pending_none")));
                }
                let mut title = l.t("approval.pending_title");
                if pending.len() > shown {
                    title.push('\n');
                    title.push_str(&l.f(
                        "approval.pending_more",
                        &[("count", &(pending.len() - shown))],
                    ));
                }
                let mut requests = Vec::new();
                for (a, order) in pending.iter().take(shown) {
                    requests.push(self.request_view(a, order, false).await?);
                }
                Ok(ApprovalsAnswer::Pending { title, requests })
            }
        }
    }
}
