//! The bot runtime against real databases: concurrent events, exactly-once application.

use std::sync::Arc;

use checkout_bot::bot::Bot;
use checkout_bot::config::Config;
use checkout_bot::demo;
use checkout_bot::domain::account::Identity;
use checkout_bot::engine::event::Event;
use checkout_bot::engine::view::Reply;
use checkout_bot::store::Store;

async fn bot(store: Store) -> Arc<Bot> {
    demo::seed_if_empty(&store).await.unwrap();
    Arc::new(Bot::new(store, Config::default()).unwrap())
}

fn id(reply: &Reply, label: &str) -> String {
    reply
        .view
        .actions
        .iter()
        .find(|a| a.label == label)
        .unwrap()
        .id
        .clone()
}

on_both!(
    twenty_simultaneous_clicks_of_one_button_apply_once,
    |store: Store| async move {
        let bot = bot(store).await;
        let who = Identity::new("console", "local", "racer");
        bot.handle(&who, "en", Event::from_line("/buy support credits"))
            .await
            .unwrap();
        let r = bot.handle(&who, "en", Event::Start).await.unwrap();
        let pick = id(&r, "Details");
        let r = bot
            .handle(
                &who,
                "en",
                Event::Choose {
                    action: pick,
                    values: vec!["p:SUP-CREDIT".into()],
                },
            )
            .await
            .unwrap();
        let plus = id(&r, "+");
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let (bot, who, plus) = (bot.clone(), who.clone(), plus.clone());
            tasks.push(tokio::spawn(async move {
                bot.handle(&who, "en", Event::Click { action: plus })
                    .await
                    .unwrap()
            }));
        }
        let mut applied = 0;
        for t in tasks {
            let reply = t.await.unwrap();
            match reply.notice {
                None => applied += 1,
                Some(n) => assert!(n.text.contains("out of date"), "{}", n.text),
            }
        }
        assert_eq!(applied, 1);
        let r = bot.handle(&who, "en", Event::Start).await.unwrap();
        let qty = r
            .view
            .fields
            .iter()
            .find(|f| f.label == "Quantity")
            .unwrap();
        assert_eq!(qty.value, "10", "5 + one step of 5");
    }
);

on_both!(
    many_users_at_once_each_see_only_their_own_changes,
    |store: Store| async move {
        let bot = bot(store).await;
        let mut tasks = Vec::new();
        for u in 0..32 {
            let bot = bot.clone();
            tasks.push(tokio::spawn(async move {
                let who = Identity::new("console", "local", &format!("user{u}"));
                bot.handle(&who, "en", Event::from_line("/buy phones"))
                    .await
                    .unwrap();
                let r = bot.handle(&who, "en", Event::Start).await.unwrap();
                let pick = id(&r, "Details");
                bot.handle(
                    &who,
                    "en",
                    Event::Choose {
                        action: pick,
                        values: vec!["p:PHN-P310".into()],
                    },
                )
                .await
                .unwrap();
                bot.handle(&who, "en", Event::Text(format!("{}", u + 1)))
                    .await
                    .unwrap();
                let r = bot.handle(&who, "en", Event::Start).await.unwrap();
                bot.handle(
                    &who,
                    "en",
                    Event::Click {
                        action: id(&r, "Add to cart"),
                    },
                )
                .await
                .unwrap();
                let cart = bot
                    .handle(&who, "en", Event::from_line("/cart"))
                    .await
                    .unwrap();
                (u, cart)
            }));
        }
        for t in tasks {
            let (u, cart) = t.await.unwrap();
            let line = cart
                .view
                .fields
                .iter()
                .find(|f| f.label.starts_with("P310"))
                .unwrap();
            assert_eq!(line.label, format!("P310 Desk Phone × {}", u + 1));
        }
    }
);
