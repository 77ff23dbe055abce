//! Approval requests in Teams. A request is posted as a base card that everyone in the
//! conversation sees: the order, the chain and how it stands, with no buttons. Its
//! `refresh` names the people who may decide (`userIds`, their Teams user ids), and
//! Teams asks the bot for each one's own view (an `adaptiveCard/action` invoke with
//! the verb `REFRESH`), which carries Approve, Reject, Ask and Details. Whatever a
//! click decides is the approvals service's (`services::approvals::click`), as on every
//! platform; every posted copy is then drawn again through the outbox, this one too.
//!
//! A form (a rejection's reason, a question, an answer) opens on the clicker's own view
//! of the card, which Teams shows to that person only; a refused text is shown beside
//! the field.

use serde_json::{Value, json};

use super::cards::{adaptive, execute, invoke_answer, text_up_to};
use super::directory::Directory;
use super::render::invoke_message;
use crate::bot::Bot;
use crate::domain::account::Identity;
use crate::domain::approval::{MAX_REASON, Target};
use crate::domain::text::cut;
use crate::engine::view::Style;
use crate::services::approvals::{
    ApprovalAction, ApprovalsAnswer, ApprovalsRequest, Clicked, Decided, FIELD, Form,
};
use crate::services::notifier::RequestView;

pub(crate) use crate::services::approvals::PREFIX;

/// The verb Teams sends to draw one person's view of a request.
pub(crate) const REFRESH: &str = "apv-view";
/// Teams draws a person's own view for at most this many people.
const MAX_USER_IDS: usize = 60;
/// Cut well below Teams' message size: a request's lines field can be long.
const MAX_TEXT: usize = 4_000;

/// Whether an `Action.Execute` verb is an approval request's.
pub(crate) fn is_approval(verb: &str) -> bool {
    verb == REFRESH || verb.starts_with(PREFIX)
}

/// What a person's view of a request carries beyond the base card.
pub(crate) enum Shown<'a> {
    /// Nothing: how it stands.
    State,
    /// Approve, Reject, Ask and Details.
    Decide,
    /// A form of one text field, with a refused text beside it.
    Form(&'a Form, Option<&'a str>),
}

fn text(text: &str, extra: Value) -> Value {
    text_up_to(text, MAX_TEXT, extra)
}

/// The card of `request`: the base card (`Shown::State`) for everyone, or one person's
/// view of it. `user_ids` are the Teams user ids whose views Teams draws on its own;
/// `notice` is said at the top (what a click did).
pub(crate) fn card(
    request: &RequestView,
    shown: Shown<'_>,
    user_ids: &[String],
    notice: Option<&str>,
) -> Value {
    let mut body = Vec::new();
    if let Some(n) = notice {
        body.push(text(n, json!({"color": "accent"})));
    }
    body.push(text(
        &request.title,
        json!({"weight": "bolder", "size": "medium"}),
    ));
    body.push(text(&request.body, json!({})));
    let facts: Vec<Value> = request
        .fields
        .iter()
        .map(|(label, value)| json!({"title": label, "value": cut(value, MAX_TEXT)}))
        .collect();
    if !facts.is_empty() {
        body.push(json!({"type": "FactSet", "facts": facts}));
    }
    if let Some(outcome) = &request.outcome {
        body.push(text(outcome, json!({"weight": "bolder", "color": "good"})));
    }
    let target = request.target();
    let mut actions = Vec::new();
    match shown {
        Shown::State => {}
        Shown::Decide if request.open() => {
            actions.push(execute(
                &request.approve,
                &ApprovalAction::Approve.id(&target),
                Some(Style::Success),
            ));
            actions.push(execute(
                &request.reject,
                &ApprovalAction::Reject.id(&target),
                Some(Style::Danger),
            ));
            actions.push(execute(
                &request.ask,
                &ApprovalAction::Ask.id(&target),
                None,
            ));
            actions.push(execute(
                &request.details,
                &ApprovalAction::Details.id(&target),
                None,
            ));
        }
        Shown::Decide => {}
        Shown::Form(form, refused) => {
            body.extend(form_body(form, refused));
            actions.push(execute(&form.submit, &form.id, Some(Style::Success)));
        }
    }
    let mut card = adaptive(body);
    if !actions.is_empty() {
        card["actions"] = json!(actions);
    }
    if request.open() {
        let mut refresh = json!({"action": {
            "type": "Action.Execute", "title": request.details, "verb": REFRESH,
            "data": {"request": target},
        }});
        if !user_ids.is_empty() {
            refresh["userIds"] = json!(user_ids.iter().take(MAX_USER_IDS).collect::<Vec<_>>());
        }
        card["refresh"] = refresh;
    }
    card
}

/// The form's title, its one text field and a refused text beside it.
fn form_body(form: &Form, refused: Option<&str>) -> Vec<Value> {
    let mut body = vec![
        text(&form.title, json!({"weight": "bolder", "separator": true})),
        json!({
            "type": "Input.Text", "id": FIELD, "label": form.label, "isMultiline": true,
            "maxLength": MAX_REASON, "isRequired": true,
        }),
    ];
    if let Some(why) = refused {
        body.push(text(why, json!({"color": "attention", "size": "small"})));
    }
    body
}

/// A form with no request around it: the requester's answer to a question.
fn form_card(form: &Form, refused: Option<&str>) -> Value {
    let mut card = adaptive(form_body(form, refused));
    card["actions"] = json!([execute(&form.submit, &form.id, Some(Style::Success))]);
    card
}

/// A note with one button (a question's Answer).
pub(crate) fn note_with(note: &str, verb: &str, label: &str) -> Value {
    let mut card = adaptive(vec![text(note, json!({}))]);
    card["actions"] = json!([execute(label, verb, Some(Style::Success))]);
    card
}

/// Requests `approvals` lists: one card each, in one message.
const LISTED: usize = 10;

/// Whether `text` (a message, its mention dropped) is the `approvals` command.
pub(crate) fn is_command(text: &str) -> bool {
    text.trim_start_matches('/')
        .split_whitespace()
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case("approvals"))
}

/// What `approvals [delegate @someone YYYY-MM-DD | end]` asks. The person delegated to
/// is the message's one mention other than the bot (`mentioned`: their Teams user id and
/// name), found in the directory by who wrote to the bot.
pub(crate) async fn request(
    directory: &Directory,
    tenant: &str,
    text: &str,
    mentioned: Option<(&str, &str)>,
) -> Option<ApprovalsRequest> {
    let words: Vec<&str> = text.trim_start_matches('/').split_whitespace().collect();
    match words.as_slice() {
        [_] => Some(ApprovalsRequest::List),
        [_, end] if end.eq_ignore_ascii_case("end") => Some(ApprovalsRequest::End),
        [_, verb, rest @ ..] if verb.eq_ignore_ascii_case("delegate") => {
            let (user_id, name) = mentioned?;
            let oid = directory.oid_of(tenant, user_id).await?;
            let until = rest
                .iter()
                .find(|w| w.len() == 10 && w.as_bytes().get(4) == Some(&b'-'))
                .map(|d| d.to_string());
            Some(ApprovalsRequest::Delegate {
                to: super::identity(tenant, &oid),
                to_name: name.to_string(),
                until,
            })
        }
        _ => None,
    }
}

/// The answer to `approvals`: a note, or the requests waiting for `who`, each with its
/// buttons (a personal answer: the cards are theirs).
pub(crate) async fn command(
    bot: &Bot,
    directory: &Directory,
    who: &Identity,
    locale: &str,
    request: Option<ApprovalsRequest>,
) -> Value {
    let l = bot.prompts().lang(locale);
    let Some(request) = request else {
        return super::render::note(&l.t("teams.approvals_usage"));
    };
    match bot.approvals().command(who, locale, request, LISTED).await {
        Ok(ApprovalsAnswer::Note { text, .. }) => super::render::note(&text),
        Ok(ApprovalsAnswer::Pending { title, requests }) => {
            let mut attachments = Vec::new();
            for r in &requests {
                let ids = user_ids(directory, r).await;
                attachments.push(json!({
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "content": card(r, Shown::Decide, &ids, None),
                }));
            }
            json!({"type": "message", "text": title, "attachmentLayout": "list",
                   "attachments": attachments})
        }
        Err(e) => super::render::note(
            &crate::failure::Failure::internal(bot.prompts(), locale, "Teams approvals", &e).text,
        ),
    }
}

/// The Teams user ids of a request's deciders that Teams knows, for `refresh.userIds`.
pub(crate) async fn user_ids(directory: &Directory, request: &RequestView) -> Vec<String> {
    let mut out = Vec::new();
    for who in request
        .deciders
        .iter()
        .filter(|w| w.platform == super::PLATFORM)
    {
        if let Some(id) = directory.user_id(&who.workspace, &who.user).await {
            out.push(id);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The answer to an approval request's `Action.Execute`: a refresh, a click, or a
/// form submitted with its text in `data`.
pub(crate) async fn execute_invoke(
    bot: &Bot,
    directory: &Directory,
    who: &Identity,
    locale: &str,
    verb: &str,
    data: &Value,
) -> Value {
    let l = bot.prompts().lang(locale);
    let failed = |e: &crate::store::StoreError| {
        crate::failure::Failure::internal(bot.prompts(), locale, "a Teams approval", e).text
    };
    if verb == REFRESH {
        let target = data["request"].as_str().and_then(Target::parse);
        let Some(target) = target else {
            return invoke_message("");
        };
        return view(bot, directory, who, &target.approval, None).await;
    }
    let approvals = bot.approvals();
    if let Some((action, target)) = ApprovalAction::parse(verb)
        && matches!(
            action,
            ApprovalAction::Reason | ApprovalAction::Question | ApprovalAction::Answered
        )
    {
        let typed = data[FIELD].as_str().unwrap_or_default().to_string();
        return match approvals.reason(who, verb, typed, None).await {
            Ok(Some(Decided::Refused(why))) => {
                let why = why.text(&l);
                let form = approvals_form(bot, locale, action, &target);
                match action {
                    ApprovalAction::Answered => invoke_answer(form_card(&form, Some(&why))),
                    _ => match approvals.current(&target.approval).await {
                        Ok(Some(request)) => {
                            let ids = user_ids(directory, &request).await;
                            invoke_answer(card(
                                &request,
                                Shown::Form(&form, Some(&why)),
                                &ids,
                                None,
                            ))
                        }
                        _ => invoke_message(&why),
                    },
                }
            }
            Ok(Some(d)) => decided(bot, directory, who, locale, &target, d).await,
            Ok(None) => invoke_message(""),
            Err(e) => invoke_message(&failed(&e)),
        };
    }
    let Some((_, target)) = ApprovalAction::parse(verb) else {
        return invoke_message(&l.t("teams.unknown_control"));
    };
    match approvals.click(who, locale, verb, None).await {
        Ok(Clicked::Decided(d)) => decided(bot, directory, who, locale, &target, *d).await,
        Ok(Clicked::Form(form)) => {
            // The answer to a question comes from its own note, with no request shown.
            if form.id.starts_with(&ApprovalAction::Answered.id("")) {
                return invoke_answer(form_card(&form, None));
            }
            match approvals.current(&target.approval).await {
                Ok(Some(request)) => {
                    let ids = user_ids(directory, &request).await;
                    invoke_answer(card(&request, Shown::Form(&form, None), &ids, None))
                }
                Ok(None) => invoke_message(""),
                Err(e) => invoke_message(&failed(&e)),
            }
        }
        Ok(Clicked::Details { title, lines }) => {
            let details = format!("{title}\n\n{}", lines.join("\n\n"));
            view(bot, directory, who, &target.approval, Some(&details)).await
        }
        Ok(Clicked::Refused(Some(why))) => invoke_message(&why.text(&l)),
        Ok(Clicked::Refused(None)) => invoke_message(&l.t("teams.unknown_control")),
        Err(e) => invoke_message(&failed(&e)),
    }
}

/// The form whose submission `submitted` is, drawn again to show a refusal beside it.
fn approvals_form(bot: &Bot, locale: &str, submitted: ApprovalAction, target: &Target) -> Form {
    let (opened, on) = match submitted {
        ApprovalAction::Question => (ApprovalAction::Ask, target.id()),
        ApprovalAction::Answered => (ApprovalAction::Answer, target.approval.clone()),
        _ => (ApprovalAction::Reject, target.id()),
    };
    bot.approvals().form(locale, opened, &on)
}

/// What a decision, a question or an answer comes to, on the clicker's view.
async fn decided(
    bot: &Bot,
    directory: &Directory,
    who: &Identity,
    locale: &str,
    target: &Target,
    d: Decided,
) -> Value {
    let l = bot.prompts().lang(locale);
    match d {
        Decided::Done(request) => {
            let note = l.f(
                "approval.recorded",
                &[("outcome", &request.outcome.clone().unwrap_or_default())],
            );
            view(bot, directory, who, &request.approval_id, Some(&note)).await
        }
        Decided::TooLate { note, request, .. } => {
            let ids = user_ids(directory, &request).await;
            invoke_answer(card(&request, Shown::State, &ids, Some(&note.text(&l))))
        }
        Decided::Refused(why) => invoke_message(&why.text(&l)),
        Decided::Noted(text) => view(bot, directory, who, &target.approval, Some(&text)).await,
    }
}

/// `who`'s own view of request `approval_id` as it stands: with its buttons when they
/// may decide its open step now.
async fn view(
    bot: &Bot,
    directory: &Directory,
    who: &Identity,
    approval_id: &str,
    notice: Option<&str>,
) -> Value {
    let approvals = bot.approvals();
    let request = match approvals.current(approval_id).await {
        Ok(Some(r)) => r,
        Ok(None) => return invoke_message(notice.unwrap_or_default()),
        Err(e) => {
            tracing::warn!(error = %e, "could not draw a Teams approval request");
            return invoke_message(notice.unwrap_or_default());
        }
    };
    let may = request.open()
        && matches!(
            approvals
                .check(
                    who,
                    &Target {
                        approval: request.approval_id.clone(),
                        step: request.step,
                    },
                )
                .await,
            Ok(None)
        );
    let ids = user_ids(directory, &request).await;
    let shown = if may { Shown::Decide } else { Shown::State };
    invoke_answer(card(&request, shown, &ids, notice))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(outcome: Option<&str>) -> RequestView {
        RequestView {
            approval_id: "apv_1".into(),
            step: Some(2),
            title: "Approve CB-100001".into(),
            body: "Ann asks".into(),
            fields: vec![("Total".into(), "€ 1.00".into())],
            outcome: outcome.map(str::to_string),
            approve: "Approve".into(),
            reject: "Reject".into(),
            ask: "Ask".into(),
            details: "Details".into(),
            quote: None,
            deciders: Vec::new(),
        }
    }

    fn verbs(card: &Value) -> Vec<String> {
        card["actions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a["verb"].as_str().map(str::to_string))
            .collect()
    }

    #[test]
    fn the_base_card_shows_the_state_and_refreshes_for_the_deciders() {
        let ids = vec!["29:a".to_string(), "29:b".to_string()];
        let base = card(&request(None), Shown::State, &ids, None);
        assert!(verbs(&base).is_empty(), "no buttons for everyone: {base}");
        assert_eq!(base["refresh"]["action"]["verb"], REFRESH);
        assert_eq!(base["refresh"]["action"]["data"]["request"], "apv_1:2");
        assert_eq!(base["refresh"]["userIds"], json!(ids));
        let mine = card(&request(None), Shown::Decide, &ids, Some("hi"));
        assert_eq!(
            verbs(&mine),
            [
                "apv:ok:apv_1:2",
                "apv:no:apv_1:2",
                "apv:ask:apv_1:2",
                "apv:info:apv_1:2"
            ]
        );
        assert_eq!(mine["body"][0]["text"], "hi");
        // Decided: how it ended, no buttons, nothing to refresh.
        let done = card(&request(Some("Approved by Bo")), Shown::Decide, &ids, None);
        assert!(verbs(&done).is_empty());
        assert!(done.get("refresh").is_none());
        let many: Vec<String> = (0..70).map(|i| format!("29:{i}")).collect();
        let capped = card(&request(None), Shown::State, &many, None);
        assert_eq!(capped["refresh"]["userIds"].as_array().unwrap().len(), 60);
    }

    #[test]
    fn a_form_opens_on_the_card_with_a_refusal_beside_its_field() {
        let form = Form {
            id: "apv:why:apv_1:2".into(),
            title: "Reject".into(),
            label: "Why?".into(),
            submit: "Reject".into(),
        };
        let c = card(
            &request(None),
            Shown::Form(&form, Some("Say why.")),
            &[],
            None,
        );
        assert_eq!(verbs(&c), ["apv:why:apv_1:2"]);
        let body = c["body"].as_array().unwrap();
        let at = body.iter().position(|b| b["id"] == FIELD).unwrap();
        assert_eq!(body[at]["maxLength"], MAX_REASON);
        assert_eq!(body[at + 1]["text"], "Say why.");
        assert!(c["refresh"].get("userIds").is_none());
        assert!(is_approval("apv:ok:a:1") && is_approval(REFRESH) && !is_approval("3:add"));
    }
}
