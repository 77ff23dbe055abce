//! The App Home tab: the core's `Home` as Block Kit, published with `views.publish` when
//! the tab is opened and after a decision taken from it. Resume brings the step the user
//! left off at into their direct messages with the app, where its buttons work as
//! anywhere else.

use slack_morphism::prelude::*;

use super::render::{self, cut};
use super::{Slack, identity};
use crate::domain::account::Identity;

/// The Resume button's action id.
pub(crate) const RESUME: &str = "home:resume";
/// A home view holds up to 100 blocks.
const MAX_HOME_BLOCKS: usize = 100;

fn section(text: &str) -> SlackBlock {
    SlackSectionBlock::new()
        .with_text(SlackBlockText::Plain(SlackBlockPlainText::new(cut(
            text, 3000,
        ))))
        .into()
}

fn header(text: &str) -> SlackBlock {
    SlackHeaderBlock::new(SlackBlockPlainTextOnly::from(cut(text, 150))).into()
}

/// Publishes `user`'s home.
pub(crate) async fn publish(slack: &Slack, team: &str, user: &str) {
    let who = identity(team, user);
    let home = match slack.bot.home(&who, &slack.locale_of(&who)).await {
        Ok(h) => h,
        Err(f) => {
            tracing::warn!(reference = %f.reference, "could not build an App Home");
            return;
        }
    };
    let mut blocks = vec![header(&home.title), section(&home.left_off)];
    if let Some(cart) = &home.cart {
        blocks.push(section(cart));
    }
    if home.current.view.step != "welcome" || home.cart.is_some() {
        let resume = SlackBlockButtonElement::new(SlackBlockPlainTextOnly::from(cut(
            &home.resume,
            render::MAX_BUTTON_TEXT,
        )))
        .with_action_id(SlackActionId(RESUME.into()))
        .with_style(SlackBlockButtonStyle::Primary);
        blocks.push(SlackActionsBlock::new(vec![SlackActionBlockElement::Button(resume)]).into());
    }
    blocks.push(SlackDividerBlock::new().into());
    blocks.push(header(&home.orders_title));
    blocks.extend(
        render::pieces(&home.orders.join("\n"), 3000)
            .iter()
            .map(|p| section(p)),
    );
    blocks.push(SlackDividerBlock::new().into());
    blocks.push(header(&home.requests_title));
    if home.requests.is_empty() {
        blocks.push(section(&home.no_requests));
    }
    for r in &home.requests {
        blocks.extend(super::render::request_blocks(r));
    }
    blocks.truncate(MAX_HOME_BLOCKS);
    let view = SlackView::Home(SlackHomeView::new(blocks));
    if let Err(e) = slack.web.publish_home(user, view).await {
        tracing::warn!(error = %e, "could not publish the App Home");
    }
}

/// Resume: the current step, as a message in the user's direct messages with the app.
pub(crate) async fn resume(slack: &Slack, who: &Identity, user: &str) {
    let reply = slack
        .bot
        .respond(
            who,
            &slack.locale_of(who),
            crate::engine::event::Event::Start,
        )
        .await;
    let content = slack.content(&reply, user);
    if let Err(e) = slack.web.post(user, content, None).await {
        tracing::warn!(error = %e, "could not resume in a direct message");
    }
}
