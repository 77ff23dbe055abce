//! Why a person's request about an approval was refused. Refusals are typed so that each
//! is told in the words, and the locale, of the person who asked, not of the service.

use crate::domain::text::Unclean;
use crate::prompts::Lang;
use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No such request (or a forged id).
    Unknown,
    NotApprover {
        org: String,
    },
    /// An approver of the organization, but not of this step.
    NotAtStep {
        org: String,
        step: String,
    },
    /// Their vote at this `all` step was counted before.
    AlreadyVoted {
        step: i64,
    },
    /// A question or answer with nothing in it.
    TextNeeded,
    /// Only the requester answers a question about their order.
    NotRequester,
    /// The question was answered before.
    Answered,
    /// The step this copy was drawn for is decided; the request waits at a later one.
    StepDecided {
        number: String,
    },
    OwnOrder {
        org: String,
    },
    /// A delegate may not decide on an order their own approver requested.
    DelegateForRequester {
        approver: String,
    },
    DelegationOutside {
        approver: String,
        /// Unix milliseconds.
        from: i64,
        until: i64,
    },
    ReasonNeeded,
    Unclean(Unclean),
    /// Decided before, expired, or the order stopped waiting.
    Already {
        number: String,
        outcome: String,
    },
    DelegateNotApprover,
    DelegateSelf,
    DelegateNeedsUntil,
    DelegateBadDate {
        date: String,
    },
    /// The named delegate has no account.
    DelegateUnknown {
        name: String,
    },
}

impl Refusal {
    pub(crate) fn text(&self, l: &Lang<'_>) -> String {
        match self {
            Refusal::Unknown => l.t("approval.unknown"),
            Refusal::NotApprover { org } => l.f("approval.not_approver", &[("org", org)]),
            Refusal::NotAtStep { org, step } => {
                l.f("approval.not_at_step", &[("org", org), ("step", step)])
            }
            Refusal::AlreadyVoted { step } => l.f("approval.already_voted", &[("n", step)]),
            Refusal::TextNeeded => l.t("approval.text_needed"),
            Refusal::NotRequester => l.t("approval.not_requester"),
            Refusal::Answered => l.t("approval.already_answered"),
            Refusal::StepDecided { number } => l.f("approval.step_decided", &[("number", number)]),
            Refusal::OwnOrder { org } => l.f("approval.own_order", &[("org", org)]),
            Refusal::DelegateForRequester { approver } => {
                l.f("approval.delegate_for_requester", &[("approver", approver)])
            }
            Refusal::DelegationOutside {
                approver,
                from,
                until,
            } => l.f(
                "approval.delegation_outside",
                &[
                    ("approver", approver),
                    ("from", &l.date_time(*from)),
                    ("until", &l.date_time(*until)),
                ],
            ),
            Refusal::ReasonNeeded => l.t("approval.reason_needed"),
            Refusal::Unclean(problem) => l.t(problem.prompt_key()),
            Refusal::Already { number, outcome } => l.f(
                "approval.already",
                &[("number", number), ("outcome", outcome)],
            ),
            Refusal::DelegateNotApprover => l.t("approval.delegate_not_approver"),
            Refusal::DelegateSelf => l.t("approval.delegate_self"),
            Refusal::DelegateNeedsUntil => l.t("approval.delegate_needs_until"),
            Refusal::DelegateBadDate { date } => {
                l.f("approval.delegate_bad_date", &[("date", date)])
            }
            Refusal::DelegateUnknown { name } => {
                l.f("approval.delegate_unknown", &[("name", name)])
            }
        }
    }
}

/// What an approvals call that a person made can come to besides success.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApprovalError {
    #[error("refused: {0:?}")]
    Refused(Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<Refusal> for ApprovalError {
    fn from(r: Refusal) -> Self {
        ApprovalError::Refused(r)
    }
}
