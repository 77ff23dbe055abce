//! Discord interactions as the benches send them: signed with a test key before the clock
//! starts, as Discord signs each request.

#![allow(dead_code)]

use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};

use super::load::Signed;

pub fn sign(key: &SigningKey, body: Value) -> Signed {
    let body = body.to_string();
    let timestamp = (checkout_bot::store::now_ms() / 1000).to_string();
    let signature = hex::encode(key.sign(format!("{timestamp}{body}").as_bytes()).to_bytes());
    Signed {
        body,
        signature,
        timestamp,
        names: (
            "x-signature-ed25519",
            "x-signature-timestamp",
            "application/json",
        ),
    }
}

/// Signed checkout steps for `users` users, `per_user` each, alternating between two
/// categories so that every one is a change, with interaction ids from `first_id` on:
/// Discord sends each interaction once and a repeated id is refused as a replay, so each
/// request is a new interaction.
pub fn checkout_steps(
    key: &SigningKey,
    users: usize,
    per_user: usize,
    first_id: u64,
) -> Vec<Vec<Signed>> {
    (0..users)
        .map(|n| {
            (0..per_user)
                .map(|i| {
                    let id = first_id + (n * per_user + i) as u64;
                    let category = if i % 2 == 0 { "phones" } else { "modules" };
                    sign(key, buy(n, id, category))
                })
                .collect()
        })
        .collect()
}

pub fn ping() -> Value {
    json!({"id": "1100000000000000009", "application_id": "1000000000000000001", "type": 1, "token": "t",
        "version": 1, "entitlements": [], "attachment_size_limit": 10485760, "locale": "en-US"})
}

/// `/buy category:…` from user `n`, as interaction `id` (each interaction is handled
/// once): loads the session, moves the store, saves, renders.
pub fn buy(n: usize, id: u64, category: &str) -> Value {
    let user = json!({"id": format!("9{:018}", n), "username": "u", "discriminator": "0", "global_name": null, "avatar": null});
    json!({
        "id": format!("11{id:017}"), "application_id": "1000000000000000001", "type": 2,
        "data": {"id": "1200000000000000001", "name": "buy", "type": 1,
                 "options": [{"name": "category", "type": 3, "value": category}]},
        "guild_id": "1300000000000000001", "channel_id": "1400000000000000001",
        "member": {"user": user, "roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00",
                   "deaf": false, "mute": false, "flags": 0, "permissions": "0"},
        "token": "t", "version": 1, "locale": "en-US", "entitlements": [],
        "authorizing_integration_owners": {}, "attachment_size_limit": 10485760
    })
}
