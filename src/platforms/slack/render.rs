//! Replies as Block Kit: a header for the title, sections for the notice, the body and
//! the fields, a labelled select per select, and buttons in actions blocks. Forms open as
//! modals. Slack's limits are enforced here, where the blocks are built: long text is
//! split over several sections rather than cut, and only labels are shortened.
//!
//! Every block that carries actions has a block id naming the user the reply was made
//! for (`u:{user}:{n}`), so a click that comes from someone else's message is known.

use slack_morphism::prelude::*;

use crate::engine::view::{Action, ActionKind, Choice, NoticeKind, Reply, Style, View};
use crate::services::approvals::ApprovalAction;
use crate::services::notifier::RequestView;

pub(crate) const MAX_BLOCKS: usize = 50;
pub(crate) const MAX_ACTION_ELEMENTS: usize = 25;
pub(crate) const MAX_BUTTON_TEXT: usize = 75;
pub(crate) const MAX_OPTIONS: usize = 100;
pub(crate) const MAX_OPTION_TEXT: usize = 75;
pub(crate) const MAX_OPTION_VALUE: usize = 150;
pub(crate) const MAX_MODAL_TITLE: usize = 24;
pub(crate) const MAX_ID: usize = 255;
const MAX_SECTION_TEXT: usize = 3000;
const MAX_FIELD_TEXT: usize = 2000;
const MAX_FIELDS_PER_SECTION: usize = 10;
const MAX_HEADER: usize = 150;
const MAX_PLACEHOLDER: usize = 150;
const MAX_MODAL_BLOCKS: usize = 100;

/// A button that opens a form carries this before the form's action id; the modal's
/// callback id is the action id itself.
pub(crate) const FORM_PREFIX: &str = "m:";
/// The search box: an external select fed by the options endpoint, whose action id is
/// `s:{field}:{search action id}`.
pub(crate) const SEARCH_PREFIX: &str = "s:";

/// (field id, search action id) of a search box's action id.
pub(crate) fn search(action_id: &str) -> Option<(&str, &str)> {
    action_id.strip_prefix(SEARCH_PREFIX)?.split_once(':')
}

pub(crate) use crate::domain::text::cut;

/// `text` in pieces of at most `max` characters, broken at line ends where possible, so
/// that nothing is lost to a section's limit.
pub(crate) fn pieces(text: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.split_inclusive('\n') {
        let mut line = line;
        while line.chars().count() > max {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            let at = line.char_indices().nth(max).map_or(line.len(), |(i, _)| i);
            out.push(line[..at].to_string());
            line = &line[at..];
        }
        if current.chars().count() + line.chars().count() > max {
            out.push(std::mem::take(&mut current));
        }
        current.push_str(line);
    }
    if !current.trim().is_empty() {
        out.push(current);
    }
    out
}

pub(super) fn plain(text: &str) -> SlackBlockText {
    SlackBlockText::Plain(SlackBlockPlainText::new(text.to_string()))
}

fn section(text: &str) -> SlackBlock {
    SlackSectionBlock::new().with_text(plain(text)).into()
}

/// The block id that names the reply's owner.
pub(crate) fn owned_block(user: &str, n: usize) -> SlackBlockId {
    SlackBlockId(format!("u:{user}:{n}"))
}

/// The user a block id names, if it is one of ours.
pub(crate) fn owner(block_id: &str) -> Option<&str> {
    block_id
        .strip_prefix("u:")?
        .rsplit_once(':')
        .map(|(u, _)| u)
        .filter(|u| !u.is_empty())
}

fn notice_text(reply: &Reply) -> Option<String> {
    reply.notice.as_ref().map(|n| {
        let mark = match n.kind {
            NoticeKind::Info => "ℹ️",
            NoticeKind::Success => "✅",
            NoticeKind::Warning => "⚠️",
            NoticeKind::Error => "❌",
        };
        format!("{mark} {}", n.text)
    })
}

fn option(c: &Choice) -> Option<SlackBlockChoiceItem<SlackBlockPlainTextOnly>> {
    if c.value.chars().count() > MAX_OPTION_VALUE {
        tracing::warn!(value = %c.value, "option value too long for Slack; left out");
        return None;
    }
    let mut item = SlackBlockChoiceItem::new(
        SlackBlockPlainTextOnly::from(cut(&c.label, MAX_OPTION_TEXT)),
        c.value.clone(),
    );
    if let Some(d) = &c.description {
        item = item.with_description(SlackBlockPlainTextOnly::from(cut(d, MAX_OPTION_TEXT)));
    }
    Some(item)
}

fn button(a: &Action, id: String, style: Option<Style>) -> SlackActionBlockElement {
    let mut b = SlackBlockButtonElement::new(SlackBlockPlainTextOnly::from(cut(
        &a.label,
        MAX_BUTTON_TEXT,
    )))
    .with_action_id(SlackActionId(id));
    match style {
        Some(Style::Primary | Style::Success) => b = b.with_style(SlackBlockButtonStyle::Primary),
        Some(Style::Danger) => b = b.with_style(SlackBlockButtonStyle::Danger),
        _ => {}
    }
    SlackActionBlockElement::Button(b)
}

/// The view's actions: a labelled section per select or search, then the buttons, 25 to
/// an actions block.
fn actions(view: &View, user: &str, blocks: &mut Vec<SlackBlock>) {
    let mut buttons = Vec::new();
    let mut n = 0;
    let mut next_id = || {
        n += 1;
        owned_block(user, n)
    };
    for a in &view.actions {
        match &a.kind {
            ActionKind::Select {
                placeholder,
                options,
                ..
            } => {
                if a.id.len() > MAX_ID {
                    tracing::warn!(id = %a.id, "action id too long for Slack; left out");
                    continue;
                }
                let items: Vec<_> = options.iter().filter_map(option).collect();
                if items.is_empty() {
                    continue;
                }
                if items.len() > MAX_OPTIONS {
                    tracing::warn!(
                        options = items.len(),
                        "more options than a Slack select holds"
                    );
                }
                let initial = options.iter().find(|o| o.selected).and_then(option);
                let shown = if placeholder.is_empty() {
                    a.label.clone()
                } else {
                    placeholder.clone()
                };
                let select = SlackBlockStaticSelectElement::new()
                    .with_action_id(SlackActionId(a.id.clone()))
                    .with_placeholder(SlackBlockPlainTextOnly::from(cut(&shown, MAX_PLACEHOLDER)))
                    .with_options(items.into_iter().take(MAX_OPTIONS).collect())
                    .opt_initial_option(initial);
                blocks.push(
                    SlackSectionBlock::new()
                        .with_block_id(next_id())
                        .with_text(plain(&cut(&a.label, MAX_SECTION_TEXT)))
                        .with_accessory(SlackSectionBlockElement::StaticSelect(select))
                        .into(),
                );
            }
            ActionKind::Search { field, .. } => {
                let id = format!("{SEARCH_PREFIX}{}:{}", field.id, a.id);
                if id.len() > MAX_ID {
                    continue;
                }
                let placeholder = if field.placeholder.is_empty() {
                    &field.label
                } else {
                    &field.placeholder
                };
                let search = SlackBlockExternalSelectElement::new()
                    .with_action_id(SlackActionId(id))
                    .with_placeholder(SlackBlockPlainTextOnly::from(cut(
                        placeholder,
                        MAX_PLACEHOLDER,
                    )))
                    // Opened before anything is typed, it offers recent choices.
                    .with_min_query_length(0);
                blocks.push(
                    SlackSectionBlock::new()
                        .with_block_id(next_id())
                        .with_text(plain(&cut(&a.label, MAX_SECTION_TEXT)))
                        .with_accessory(SlackSectionBlockElement::ExternalSelect(search))
                        .into(),
                );
            }
            ActionKind::Button { style } if a.id.len() <= MAX_ID => {
                buttons.push(button(a, a.id.clone(), Some(*style)));
            }
            ActionKind::Form { .. } => {
                let id = format!("{FORM_PREFIX}{}", a.id);
                if id.len() <= MAX_ID {
                    buttons.push(button(a, id, Some(Style::Primary)));
                }
            }
            ActionKind::Link { url } => match url::Url::parse(url) {
                Ok(u) => {
                    let id = format!("link:{}", buttons.len());
                    let b = SlackBlockButtonElement::new(SlackBlockPlainTextOnly::from(cut(
                        &a.label,
                        MAX_BUTTON_TEXT,
                    )))
                    .with_action_id(SlackActionId(id))
                    .with_url(u);
                    buttons.push(SlackActionBlockElement::Button(b));
                }
                Err(e) => tracing::warn!(error = %e, "a link action with a bad URL; left out"),
            },
            ActionKind::Button { .. } => {
                tracing::warn!(id = %a.id, "action id too long for Slack; left out");
            }
        }
    }
    let mut buttons = buttons.into_iter().peekable();
    while buttons.peek().is_some() {
        let row: Vec<_> = buttons.by_ref().take(MAX_ACTION_ELEMENTS).collect();
        blocks.push(SlackActionsBlock::new(row).with_block_id(next_id()).into());
    }
}

/// The reply as blocks, for `user`.
pub(crate) fn blocks(reply: &Reply, user: &str) -> Vec<SlackBlock> {
    let view = &reply.view;
    let mut head: Vec<SlackBlock> = vec![
        SlackHeaderBlock::new(SlackBlockPlainTextOnly::from(cut(&view.title, MAX_HEADER))).into(),
    ];
    if let Some(n) = notice_text(reply) {
        head.extend(pieces(&n, MAX_SECTION_TEXT).iter().map(|p| section(p)));
    }
    head.extend(
        pieces(&view.body, MAX_SECTION_TEXT)
            .iter()
            .map(|p| section(p)),
    );
    let mut fields: Vec<SlackBlock> = Vec::new();
    for chunk in view.fields.chunks(MAX_FIELDS_PER_SECTION) {
        let texts = chunk
            .iter()
            .map(|f| {
                let value = if f.value.is_empty() { "—" } else { &f.value };
                SlackBlockText::MarkDown(SlackBlockMarkDownText::new(cut(
                    &format!("*{}*\n{}", escape(&f.label), escape(value)),
                    MAX_FIELD_TEXT,
                )))
            })
            .collect();
        fields.push(SlackSectionBlock::new().with_fields(texts).into());
    }
    let mut tail = Vec::new();
    actions(view, user, &mut tail);
    // Actions matter most; a view too long for one message gives up whole field
    // sections first, and says so.
    let room = MAX_BLOCKS.saturating_sub(head.len() + tail.len() + 1);
    if fields.len() > room {
        tracing::warn!(
            sections = fields.len() - room,
            "fields left out of a Slack message"
        );
        fields.truncate(room);
        fields.push(
            SlackContextBlock::new(vec![SlackContextBlockElement::Plain(
                SlackBlockPlainText::new("…".into()),
            )])
            .into(),
        );
    }
    let mut all = head;
    all.extend(fields);
    all.extend(tail);
    all.truncate(MAX_BLOCKS);
    all
}

/// Slack's mrkdwn control characters, escaped so that text shows as typed and cannot
/// mention anyone.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The plain-text fallback Slack shows in notifications.
pub(crate) fn fallback(reply: &Reply) -> String {
    match notice_text(reply) {
        Some(n) => cut(&format!("{n} · {}", reply.view.title), 3000),
        None => cut(&reply.view.title, 3000),
    }
}

/// The reply as a message body.
pub(crate) fn message(reply: &Reply, user: &str) -> SlackMessageContent {
    SlackMessageContent::new()
        .with_text(fallback(reply))
        .with_blocks(blocks(reply, user))
}

/// A short private note.
pub(crate) fn note(text: &str) -> SlackMessageContent {
    SlackMessageContent::new()
        .with_text(cut(text, MAX_SECTION_TEXT))
        .with_blocks(
            pieces(text, MAX_SECTION_TEXT)
                .iter()
                .map(|p| section(p))
                .collect(),
        )
}

/// A note with one button under it (a question's Answer).
pub(crate) fn note_with(text: &str, action: &str, label: &str) -> SlackMessageContent {
    let mut content = note(text);
    let button =
        SlackBlockButtonElement::new(SlackBlockPlainTextOnly::from(cut(label, MAX_BUTTON_TEXT)))
            .with_action_id(SlackActionId(action.to_string()))
            .with_style(SlackBlockButtonStyle::Primary);
    let mut blocks = content.blocks.take().unwrap_or_default();
    blocks.push(SlackActionsBlock::new(vec![SlackActionBlockElement::Button(button)]).into());
    content.with_blocks(blocks)
}

/// A form action as a modal: one text input per field, each in a block whose id is the
/// field's. `metadata` comes back with the submission.
pub(crate) fn modal(
    action: &Action,
    submit: &str,
    close: &str,
    metadata: &str,
) -> Option<SlackView> {
    let ActionKind::Form { title, fields } = &action.kind else {
        return None;
    };
    if action.id.len() > MAX_ID || metadata.len() > 3000 {
        return None;
    }
    let blocks = fields
        .iter()
        .take(MAX_MODAL_BLOCKS)
        .map(|f| {
            let mut input = SlackBlockPlainTextInputElement::new()
                .with_action_id(SlackActionId(f.id.clone()))
                .with_max_length(u64::from(f.max_len.clamp(1, 3000)))
                .with_multiline(f.id == "street");
            if !f.value.is_empty() {
                input = input.with_initial_value(f.value.clone());
            }
            if !f.placeholder.is_empty() {
                input = input.with_placeholder(SlackBlockPlainTextOnly::from(cut(
                    &f.placeholder,
                    MAX_PLACEHOLDER,
                )));
            }
            SlackInputBlock::new(
                SlackBlockPlainTextOnly::from(cut(&f.label, 2000)),
                SlackInputBlockElement::PlainTextInput(input),
            )
            .with_block_id(SlackBlockId(f.id.clone()))
            .with_optional(!f.required)
            .into()
        })
        .collect();
    Some(SlackView::Modal(
        SlackModalView::new(
            SlackBlockPlainTextOnly::from(cut(title, MAX_MODAL_TITLE)),
            blocks,
        )
        .with_submit(SlackBlockPlainTextOnly::from(cut(submit, MAX_MODAL_TITLE)))
        .with_close(SlackBlockPlainTextOnly::from(cut(close, MAX_MODAL_TITLE)))
        .with_callback_id(SlackCallbackId(action.id.clone()))
        .with_private_metadata(metadata.to_string()),
    ))
}

/// A request as blocks: what it is, its fields, how it ended, and its buttons while open.
pub(crate) fn request_blocks(request: &RequestView) -> Vec<SlackBlock> {
    let mut blocks: Vec<SlackBlock> =
        vec![SlackHeaderBlock::new(SlackBlockPlainTextOnly::from(cut(&request.title, 150))).into()];
    if let Some(outcome) = &request.outcome {
        blocks.push(
            SlackSectionBlock::new()
                .with_text(plain(&cut(outcome, 3000)))
                .into(),
        );
    }
    blocks.extend(
        pieces(&request.body, 3000)
            .iter()
            .map(|p| SlackSectionBlock::new().with_text(plain(p)).into()),
    );
    for chunk in request.fields.chunks(10) {
        let texts = chunk
            .iter()
            .map(|(name, value)| {
                SlackBlockText::MarkDown(SlackBlockMarkDownText::new(cut(
                    &format!("*{}*\n{}", escape(name), escape(value)),
                    2000,
                )))
            })
            .collect();
        blocks.push(SlackSectionBlock::new().with_fields(texts).into());
    }
    if request.open() {
        let button = |verb: ApprovalAction, label: &str, style: Option<SlackBlockButtonStyle>| {
            let b = SlackBlockButtonElement::new(SlackBlockPlainTextOnly::from(cut(
                label,
                MAX_BUTTON_TEXT,
            )))
            .with_action_id(SlackActionId(verb.id(&request.target())))
            .opt_style(style);
            SlackActionBlockElement::Button(b)
        };
        blocks.push(
            SlackActionsBlock::new(vec![
                button(
                    ApprovalAction::Approve,
                    &request.approve,
                    Some(SlackBlockButtonStyle::Primary),
                ),
                button(
                    ApprovalAction::Reject,
                    &request.reject,
                    Some(SlackBlockButtonStyle::Danger),
                ),
                button(ApprovalAction::Ask, &request.ask, None),
                button(ApprovalAction::Details, &request.details, None),
            ])
            .with_block_id(SlackBlockId(format!("apv:{}", request.approval_id)))
            .into(),
        );
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::view::{FormField, Notice};
    use serde_json::Value;

    fn reply(build: impl FnOnce(&mut View)) -> Reply {
        let mut v = View::new("t", "Title".into());
        build(&mut v);
        Reply {
            document: None,
            notice: Some(Notice::success("Added <@U1> & more".into())),
            view: v,
        }
    }

    fn json(blocks: &[SlackBlock]) -> Vec<Value> {
        blocks
            .iter()
            .map(|b| serde_json::to_value(b).unwrap())
            .collect()
    }

    #[test]
    fn a_view_becomes_header_sections_select_and_buttons() {
        let r = reply(|v| {
            v.body = "Pick one.".into();
            v.field("Total".into(), "USD 10.00".into());
            v.select(
                "3:cat".into(),
                "Category".into(),
                String::new(),
                vec![
                    Choice::new("a", "Alpha"),
                    Choice::new("b", "Beta").selected(true),
                ],
            );
            v.button("3:ok".into(), "Continue".into(), Style::Primary);
            v.button("3:no".into(), "Cancel".into(), Style::Danger);
        });
        let b = json(&blocks(&r, "U42"));
        assert_eq!(b[0]["type"], "header");
        assert_eq!(b[0]["text"]["text"], "Title");
        assert_eq!(
            b[1]["text"]["type"], "plain_text",
            "a notice is never parsed"
        );
        assert_eq!(b[1]["text"]["text"], "✅ Added <@U1> & more");
        assert_eq!(b[2]["text"]["text"], "Pick one.");
        assert_eq!(b[3]["fields"][0]["text"], "*Total*\nUSD 10.00");
        assert_eq!(b[4]["accessory"]["type"], "static_select");
        assert_eq!(b[4]["accessory"]["action_id"], "3:cat");
        assert_eq!(b[4]["accessory"]["initial_option"]["value"], "b");
        assert_eq!(owner(b[4]["block_id"].as_str().unwrap()), Some("U42"));
        assert_eq!(b[5]["type"], "actions");
        assert_eq!(b[5]["elements"][0]["style"], "primary");
        assert_eq!(b[5]["elements"][1]["style"], "danger");
    }

    #[test]
    fn limits_hold_without_losing_actions() {
        let r = reply(|v| {
            v.body = "x".repeat(7_000);
            for i in 0..600 {
                v.field(format!("F{i}"), "v".into());
            }
            for i in 0..60 {
                v.button(format!("1:b{i}"), "L".repeat(100), Style::Secondary);
            }
            v.select(
                "1:s".into(),
                "S".into(),
                String::new(),
                (0..150)
                    .map(|i| Choice::new(format!("v{i}"), "o".repeat(90)))
                    .collect(),
            );
        });
        let b = json(&blocks(&r, "U1"));
        assert!(b.len() <= MAX_BLOCKS, "{}", b.len());
        let body: String = b
            .iter()
            .filter(|x| {
                x["type"] == "section"
                    && x["text"]["text"]
                        .as_str()
                        .is_some_and(|t| t.starts_with('x'))
            })
            .map(|x| x["text"]["text"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(body.len(), 7_000, "the body is split, not cut");
        let buttons: Vec<&Value> = b
            .iter()
            .filter(|x| x["type"] == "actions")
            .flat_map(|x| x["elements"].as_array().unwrap())
            .collect();
        assert_eq!(buttons.len(), 60, "every button is kept");
        for x in b.iter().filter(|x| x["type"] == "actions") {
            assert!(x["elements"].as_array().unwrap().len() <= MAX_ACTION_ELEMENTS);
        }
        assert!(
            buttons
                .iter()
                .all(|x| x["text"]["text"].as_str().unwrap().chars().count() <= MAX_BUTTON_TEXT)
        );
        let select = b
            .iter()
            .find(|x| x["accessory"]["action_id"] == "1:s")
            .unwrap();
        let options = select["accessory"]["options"].as_array().unwrap();
        assert_eq!(options.len(), MAX_OPTIONS);
        assert!(
            options
                .iter()
                .all(|o| o["text"]["text"].as_str().unwrap().chars().count() <= MAX_OPTION_TEXT)
        );
    }

    #[test]
    fn a_form_is_a_button_and_then_a_modal() {
        let r = reply(|v| {
            v.form(
                "4:addr".into(),
                "Enter address".into(),
                "A very long title for a modal".into(),
                vec![FormField {
                    id: "street".into(),
                    label: "Street".into(),
                    value: "1 Main".into(),
                    placeholder: String::new(),
                    required: true,
                    max_len: 200,
                }],
            );
        });
        let b = json(&blocks(&r, "U1"));
        let open = b.last().unwrap();
        assert_eq!(open["elements"][0]["action_id"], "m:4:addr");
        let modal =
            serde_json::to_value(modal(&r.view.actions[0], "Save", "Cancel", "{\"r\":1}").unwrap())
                .unwrap();
        assert_eq!(modal["type"], "modal");
        assert!(modal["title"]["text"].as_str().unwrap().chars().count() <= MAX_MODAL_TITLE);
        assert_eq!(modal["callback_id"], "4:addr");
        assert_eq!(modal["blocks"][0]["block_id"], "street");
        assert_eq!(modal["blocks"][0]["element"]["action_id"], "street");
        assert_eq!(modal["blocks"][0]["element"]["initial_value"], "1 Main");
        assert_eq!(modal["private_metadata"], "{\"r\":1}");
    }

    #[test]
    fn pieces_keep_every_character() {
        let text = format!("{}\n{}\n", "a".repeat(2_999), "b".repeat(6_500));
        let p = pieces(&text, 3_000);
        assert!(p.iter().all(|x| x.chars().count() <= 3_000));
        assert_eq!(p.concat(), text);
        assert!(pieces("", 10).is_empty());
    }

    #[test]
    fn field_text_is_escaped() {
        assert_eq!(
            escape("<!channel> & <@U1>"),
            "&lt;!channel&gt; &amp; &lt;@U1&gt;"
        );
    }
}
