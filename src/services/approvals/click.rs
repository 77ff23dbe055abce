//! The approval buttons, the same on every platform: what a request's buttons carry,
//! and what a click on one decides. A channel reads its payload into `Approvals::click`
//! (or `Approvals::reason` for the reason form) and renders the answer; it holds no rule
//! of its own.
//!
//! Buttons carry `apv:VERB:APPROVAL_ID:STEP`, not a session revision: a request is
//! shared by several people and outlives any one conversation, and its state lives in
//! the approvals table, which answers a late or repeated click. The step is the one the
//! copy was drawn for, so a click on a copy drawn before its step was decided is told
//! so, never counted at the next step. Buttons posted before chains have no step.

use std::sync::Arc;

use super::{ApprovalError, Approvals, Decided, Refusal};
use crate::domain::account::Identity;
use crate::domain::approval::{Target, Verdict};
use crate::services::notifier::Posted;
use crate::store::Result;

/// What every approval action id starts with.
pub(crate) const PREFIX: &str = "apv:";

/// A request's controls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ApprovalAction {
    Approve,
    /// Opens the reason form; nothing is decided yet.
    Reject,
    /// The order's details, privately.
    Details,
    /// The reason form, submitted: the rejection.
    Reason,
    /// Opens the form to ask the requester a question; nothing is recorded yet.
    Ask,
    /// The question form, submitted.
    Question,
    /// On the requester's copy of a question (its target names the question): opens
    /// the answer form.
    Answer,
    /// The answer form, submitted.
    Answered,
}

impl ApprovalAction {
    /// Every control, for checks of each platform's id limits.
    pub(crate) const ALL: [ApprovalAction; 8] = [
        ApprovalAction::Approve,
        ApprovalAction::Reject,
        ApprovalAction::Details,
        ApprovalAction::Reason,
        ApprovalAction::Ask,
        ApprovalAction::Question,
        ApprovalAction::Answer,
        ApprovalAction::Answered,
    ];

    fn code(self) -> &'static str {
        match self {
            ApprovalAction::Approve => "ok",
            ApprovalAction::Reject => "no",
            ApprovalAction::Details => "info",
            ApprovalAction::Reason => "why",
            ApprovalAction::Ask => "ask",
            ApprovalAction::Question => "q",
            ApprovalAction::Answer => "ans",
            ApprovalAction::Answered => "ansd",
        }
    }

    /// The action id of this control on `target` (`Target::id`).
    pub(crate) fn id(self, target: &str) -> String {
        format!("{PREFIX}{}:{target}", self.code())
    }

    /// The action and target an action id names. Ids come back in payloads, so
    /// anything that is not exactly ours is refused.
    pub(crate) fn parse(id: &str) -> Option<(ApprovalAction, Target)> {
        let rest = id.strip_prefix(PREFIX)?;
        let (code, target) = rest.split_once(':')?;
        let action = Self::ALL.into_iter().find(|a| a.code() == code)?;
        Some((action, Target::parse(target)?))
    }
}

/// A form of one text field (`FIELD`) to open for the clicker, in their locale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Form {
    /// What its submission carries back (`ApprovalAction::id`).
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) label: String,
    /// What its submit button says, where a platform lets it be named.
    pub(crate) submit: String,
}

/// The id of a form's one text field.
pub(crate) const FIELD: &str = "reason";

/// What a click on a request's button comes to, for the channel to render.
#[derive(Debug)]
pub(crate) enum Clicked {
    /// Approve, or a reason given: as `decide` answered.
    Decided(Box<Decided>),
    /// Open a form of one text field: the reason of a rejection, a question, an answer.
    Form(Form),
    /// Details: shown to the clicker alone.
    Details { title: String, lines: Vec<String> },
    /// Not something the clicker may do here, or not one of our ids.
    Refused(Option<Refusal>),
}

impl Approvals {
    /// One click on a request's control, identified by its action id. `at` is the shared
    /// message the click came from, where the platform can edit it for everyone.
    pub(crate) async fn click(
        self: &Arc<Self>,
        who: &Identity,
        locale: &str,
        action_id: &str,
        at: Option<Posted>,
    ) -> Result<Clicked> {
        let Some((action, target)) = ApprovalAction::parse(action_id) else {
            return Ok(Clicked::Refused(None));
        };
        match action {
            ApprovalAction::Approve => Ok(Clicked::Decided(Box::new(
                self.decide(who, &target, Verdict::Approve, at).await?,
            ))),
            ApprovalAction::Reject | ApprovalAction::Ask => {
                Ok(match self.check(who, &target).await? {
                    None => Clicked::Form(self.form(locale, action, &target.id())),
                    Some(d) => Clicked::Decided(Box::new(d)),
                })
            }
            ApprovalAction::Answer => Ok(match self.may_answer(who, &target.approval).await? {
                None => Clicked::Form(self.form(locale, action, &target.approval)),
                Some(d) => Clicked::Decided(Box::new(d)),
            }),
            ApprovalAction::Details => match self.details(who, locale, &target.approval).await {
                Ok((title, lines)) => Ok(Clicked::Details { title, lines }),
                Err(ApprovalError::Refused(why)) => Ok(Clicked::Refused(Some(why))),
                Err(ApprovalError::Store(e)) => Err(e),
            },
            // These come with their forms, through `reason`.
            ApprovalAction::Reason | ApprovalAction::Question | ApprovalAction::Answered => {
                Ok(Clicked::Refused(None))
            }
        }
    }

    /// The form a control opens, in the clicker's locale.
    pub(crate) fn form(&self, locale: &str, action: ApprovalAction, target: &str) -> Form {
        let l = self.prompts.lang(locale);
        let (then, title, label, submit) = match action {
            ApprovalAction::Ask => (
                ApprovalAction::Question,
                "approval.question_title",
                "approval.question_label",
                "approval.send",
            ),
            ApprovalAction::Answer => (
                ApprovalAction::Answered,
                "approval.answer_title",
                "approval.answer_label",
                "approval.send",
            ),
            _ => (
                ApprovalAction::Reason,
                "approval.reason_title",
                "approval.reason_label",
                "approval.reject",
            ),
        };
        Form {
            id: then.id(target),
            title: l.t(title),
            label: l.t(label),
            submit: l.t(submit),
        }
    }

    /// A form `form_id` (the id it was opened with), submitted with its text: the
    /// reason of a rejection, a question, an answer. `None` when the form is not one of
    /// ours.
    pub(crate) async fn reason(
        self: &Arc<Self>,
        who: &Identity,
        form_id: &str,
        text: String,
        at: Option<Posted>,
    ) -> Result<Option<Decided>> {
        match ApprovalAction::parse(form_id) {
            Some((ApprovalAction::Reason, target)) => Ok(Some(
                self.decide(who, &target, Verdict::Reject { reason: text }, at)
                    .await?,
            )),
            Some((ApprovalAction::Question, target)) => {
                Ok(Some(self.ask(who, &target, &text).await?))
            }
            Some((ApprovalAction::Answered, target)) => {
                Ok(Some(self.answer(who, &target.approval, &text).await?))
            }
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_anything_else_is_refused() {
        for action in ApprovalAction::ALL {
            for step in [None, Some(1), Some(12)] {
                let target = Target {
                    approval: "apv_123abc".into(),
                    step,
                };
                let id = action.id(&target.id());
                assert_eq!(ApprovalAction::parse(&id), Some((action, target)));
            }
        }
        for bad in [
            "",
            "apv:",
            "apv:ok",
            "apv:ok:",
            "apv:nope:a1",
            "apv:ok:a-1",
            "apv:ok:a:b",
            "apv:ok:a:",
            "apv:ok:a:-1",
            "apv:ok:a:1:2",
            "apv:ok:a:1234",
            "4:apv:ok:a1",
            "apv:OK:a1",
        ] {
            assert_eq!(ApprovalAction::parse(bad), None, "{bad:?}");
        }
        assert_eq!(
            ApprovalAction::parse(&format!("apv:ok:{}", "a".repeat(41))),
            None
        );
    }
}
