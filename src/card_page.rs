//! The card page: where a new card is entered, so that card numbers never pass through
//! a chat platform (PCI DSS keeps them out of messaging). Chat hands out a one-time link,
//! `{PUBLIC_URL}/pay/{token}`, valid for 15 minutes, bound to the user and checkout.
//!
//! The page is server-rendered and works without JavaScript; a small script shows the
//! detected brand as you type. The server checks everything again, tokenizes with the
//! gateway, keeps only the token, brand, last 4 and expiry, and never logs the form.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Form, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use html_escape::encode_double_quoted_attribute as attr;
use html_escape::encode_text as text;
use subtle::ConstantTimeEq;

use crate::bot::Bot;
use crate::domain::card::LINK_ATTEMPTS as MAX_ATTEMPTS;
use crate::domain::card::{self, CardError, SavedCard};
use crate::domain::ids::new_secret;
use crate::engine::event::Event;
use crate::store::card_links::CardLink;
use crate::store::now_ms;

/// `GET` and `POST /pay/{token}`.
pub fn router(bot: Arc<Bot>) -> axum::Router {
    axum::Router::new()
        .route("/pay/{token}", axum::routing::get(show).post(submit))
        .with_state(bot)
}

/// Why a link cannot be used.
enum Dead {
    Unknown,
    Used,
    Expired,
    TooManyAttempts,
    /// The checkout it was made for was cancelled, expired or placed.
    CheckoutClosed,
}

fn usable(link: Option<CardLink>) -> Result<CardLink, Dead> {
    let link = link.ok_or(Dead::Unknown)?;
    if link.used_at.is_some() {
        Err(Dead::Used)
    } else if link.expires_at < now_ms() {
        Err(Dead::Expired)
    } else if link.attempts >= MAX_ATTEMPTS {
        Err(Dead::TooManyAttempts)
    } else {
        Ok(link)
    }
}

/// A usable link whose checkout is still the user's open one. A link outlives neither.
async fn live(s: &Bot, link: Option<CardLink>) -> Result<CardLink, Response> {
    let link = usable(link).map_err(dead)?;
    match s.checkout_open(&link.identity(), &link.checkout_key).await {
        Ok(true) => Ok(link),
        Ok(false) => Err(dead(Dead::CheckoutClosed)),
        Err(e) => {
            tracing::error!(error = %e, "could not read the checkout of a card link");
            Err(StatusCode::SERVICE_UNAVAILABLE.into_response())
        }
    }
}

/// Every page: no caching, no framing, no referrer, and only our own nonce'd style and script.
fn page(status: StatusCode, title: &str, body: &str, nonce: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style nonce=\"{nonce}\">{STYLE}</style></head>\
         <body><main><h1>{}</h1>{body}</main></body></html>",
        text(title),
        text(title)
    );
    let mut res = (status, html).into_response();
    let h = res.headers_mut();
    let csp = format!(
        "default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}\
label{display:block;margin-top:1rem;font-weight:600}input{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}\
.row{display:flex;gap:1rem}.row>div{flex:1}.error{color:#a00;font-weight:600}button{margin-top:1.5rem;padding:.75rem 1.5rem;font-size:1rem}\
#brand{font-weight:400;color:#444}.check{display:flex;gap:.5rem;align-items:center}.check input{width:auto}";

fn dead(d: Dead) -> Response {
    let nonce = new_secret();
    let (status, title, msg) = match d {
        Dead::Unknown => (
            StatusCode::NOT_FOUND,
            "Link not found",
            "This payment link is not valid. Go back to the chat and choose “New credit card” again.",
        ),
        Dead::Used => (
            StatusCode::GONE,
            "Link already used",
            "This payment link was already used. Go back to the chat to continue; to add another card, choose “New credit card” again.",
        ),
        Dead::Expired => (
            StatusCode::GONE,
            "Link expired",
            "This payment link has expired (links last 15 minutes). Go back to the chat and choose “New credit card” again.",
        ),
        Dead::TooManyAttempts => (
            StatusCode::TOO_MANY_REQUESTS,
            "Too many attempts",
            "This link has been tried too many times and no longer works. Go back to the chat and choose “New credit card” again.",
        ),
        Dead::CheckoutClosed => (
            StatusCode::GONE,
            "Link no longer valid",
            "This payment link is no longer valid: the checkout it was for was cancelled or has ended. Go back to the chat, check out again and choose “New credit card”.",
        ),
    };
    page(status, title, &format!("<p>{}</p>", text(msg)), &nonce)
}

/// The form, with what the user typed kept, except the card number and code.
fn form(
    link: &CardLink,
    token: &str,
    values: &HashMap<String, String>,
    error: Option<&str>,
) -> String {
    let v = |k: &str| attr(values.get(k).map_or("", String::as_str)).to_string();
    let error = error.map_or(String::new(), |e| {
        format!(
            "<p class=\"error\" role=\"alert\" id=\"error\">{}</p>",
            text(e)
        )
    });
    let checked = if values.get("save").is_some_and(|s| s == "on") || values.is_empty() {
        " checked"
    } else {
        ""
    };
    format!(
        "{error}<p>Enter the card for your order. The card number goes to our payment processor only; \
         we keep the brand, the last four digits and the expiry.</p>\
         <form method=\"post\" action=\"/pay/{token}\" autocomplete=\"on\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label for=\"number\">Card number <span id=\"brand\" aria-live=\"polite\"></span></label>\
         <input id=\"number\" name=\"number\" inputmode=\"numeric\" autocomplete=\"cc-number\" required maxlength=\"23\" aria-describedby=\"error\">\
         <div class=\"row\"><div><label for=\"expiry\">Expiry (MM YY)</label>\
         <input id=\"expiry\" name=\"expiry\" autocomplete=\"cc-exp\" placeholder=\"MM YY\" required maxlength=\"7\" value=\"{expiry}\"></div>\
         <div><label for=\"cvv\">Security code</label>\
         <input id=\"cvv\" name=\"cvv\" inputmode=\"numeric\" autocomplete=\"cc-csc\" required maxlength=\"4\" aria-describedby=\"cvv-help\">\
         <small id=\"cvv-help\">American Express: 4 digits on the front. Others: 3 on the back.</small></div></div>\
         <label for=\"name\">Name on card</label>\
         <input id=\"name\" name=\"name\" autocomplete=\"cc-name\" required maxlength=\"100\" value=\"{name}\">\
         <label for=\"address\">Billing address</label>\
         <input id=\"address\" name=\"address\" autocomplete=\"billing street-address\" required maxlength=\"200\" value=\"{address}\">\
         <div class=\"row\"><div><label for=\"city\">City</label>\
         <input id=\"city\" name=\"city\" autocomplete=\"billing address-level2\" required maxlength=\"100\" value=\"{city}\"></div>\
         <div><label for=\"postal_code\">Postal code</label>\
         <input id=\"postal_code\" name=\"postal_code\" autocomplete=\"billing postal-code\" required maxlength=\"12\" value=\"{postal}\"></div></div>\
         <label for=\"country\">Country (2 letters)</label>\
         <input id=\"country\" name=\"country\" autocomplete=\"billing country\" required maxlength=\"2\" value=\"{country}\">\
         <p class=\"check\"><input type=\"checkbox\" id=\"save\" name=\"save\"{checked}><label for=\"save\">Save this card for future billing</label></p>\
         <button type=\"submit\">Add card</button></form>",
        csrf = attr(&link.csrf),
        expiry = v("expiry"),
        name = v("name"),
        address = v("address"),
        city = v("city"),
        postal = v("postal_code"),
        country = v("country"),
    )
}

/// Shows the brand as the number is typed; the server decides regardless.
const SCRIPT: &str = "(function(){var n=document.getElementById('number'),b=document.getElementById('brand');\
function brand(d){if(/^4/.test(d))return 'Visa';if(/^3[47]/.test(d))return 'American Express';\
if(/^(5[1-5]|2(2[2-9][1-9]|2[3-9]|[3-6]|7[01]|720))/.test(d))return 'Mastercard';\
if(/^(6011|64[4-9]|65)/.test(d))return 'Discover';return '';}\
n.addEventListener('input',function(){var x=brand(n.value.replace(/[ -]/g,''));b.textContent=x?'('+x+')':'';});})();";

fn form_page(
    status: StatusCode,
    link: &CardLink,
    token: &str,
    values: &HashMap<String, String>,
    error: Option<&str>,
) -> Response {
    let nonce = new_secret();
    let body = format!(
        "{}<script nonce=\"{nonce}\">{SCRIPT}</script>",
        form(link, token, values, error)
    );
    page(status, "Add a card", &body, &nonce)
}

/// The chat message that carried the link moves on to the next step too, through its
/// platform's reply updater, while the platform still accepts edits of it.
async fn update_chat(s: &Bot, link: &CardLink, reply: &crate::engine::view::Reply) {
    let (Some(handle), Some(updater)) = (&link.reply_handle, s.outbound().updater(&link.platform))
    else {
        return;
    };
    if let Err(e) = updater.update(handle, reply).await {
        tracing::info!(error = %e, "could not update the chat message; the next event shows the card");
    }
}

pub async fn show(State(s): State<Arc<Bot>>, Path(token): Path<String>) -> Response {
    let link = match s.store().card_link(&token).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, "card link lookup failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    match live(&s, link).await {
        Ok(link) => form_page(StatusCode::OK, &link, &token, &HashMap::new(), None),
        Err(refused) => refused,
    }
}

fn card_error(e: &CardError) -> String {
    match e {
        CardError::Number => "That card number is not valid. Check it and try again.".into(),
        CardError::Brand => "We accept Visa, Mastercard, American Express and Discover.".into(),
        CardError::ExpiryFormat => "Enter the expiry as MM YY, for example 08 29.".into(),
        CardError::Expired => "That card has expired. Use another card.".into(),
        CardError::Cvv(n) => format!("The security code must be {n} digits for this card."),
    }
}

pub async fn submit(
    State(s): State<Arc<Bot>>,
    Path(token): Path<String>,
    Form(values): Form<HashMap<String, String>>,
) -> Response {
    let store = s.store();
    let link = match store.card_link(&token).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, "card link lookup failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let link = match live(&s, link).await {
        Ok(l) => l,
        Err(refused) => return refused,
    };
    match store.count_card_attempt(&token).await {
        Ok(n) if n > MAX_ATTEMPTS => return dead(Dead::TooManyAttempts),
        Ok(_) => {}
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
    let csrf = values.get("csrf").map_or("", String::as_str);
    if !bool::from(csrf.as_bytes().ct_eq(link.csrf.as_bytes())) {
        tracing::warn!("card page submission with a bad CSRF token");
        return page(
            StatusCode::FORBIDDEN,
            "Form expired",
            "<p>This form could not be accepted. Open the link from the chat again.</p>",
            &new_secret(),
        );
    }
    // Never shown again, never logged: only what the user may see back, and nothing
    // that could change how the page reads.
    let mut kept: HashMap<String, String> = values
        .iter()
        .map(|(k, v)| (k.clone(), crate::domain::text::scrub(v)))
        .collect();
    kept.remove("number");
    kept.remove("cvv");
    let get = |k: &str| values.get(k).map_or("", |v| v.trim());
    for (field, label) in [
        ("name", "Name on card"),
        ("address", "Billing address"),
        ("city", "City"),
        ("postal_code", "Postal code"),
        ("country", "Country"),
    ] {
        let problem = if get(field).is_empty() {
            Some(format!("{label} is missing."))
        } else {
            crate::domain::text::check(get(field))
                .err()
                .map(|_| format!("{label} contains characters that can't be accepted."))
        };
        if let Some(problem) = problem {
            return form_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &link,
                &token,
                &kept,
                Some(&problem),
            );
        }
    }
    let now = time::OffsetDateTime::from_unix_timestamp(now_ms() / 1000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let checked = card::check(
        get("number"),
        get("expiry"),
        get("cvv"),
        i64::from(now.year()),
        i64::from(u8::from(now.month())),
    );
    let input = match checked {
        Ok(c) => c,
        Err(e) => {
            return form_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &link,
                &token,
                &kept,
                Some(&card_error(&e)),
            );
        }
    };
    let gateway_token = match s.gateway().tokenize(&input).await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e, "tokenizing failed");
            return form_page(
                StatusCode::BAD_GATEWAY,
                &link,
                &token,
                &kept,
                Some(
                    "The payment processor could not take the card just now. Try again in a moment.",
                ),
            );
        }
    };
    let saved = SavedCard {
        id: String::new(),
        brand: input.brand.name().to_string(),
        last4: input.last4().to_string(),
        exp_month: input.exp_month,
        exp_year: input.exp_year,
        token: gateway_token,
    };
    drop(input);
    let save = values.get("save").is_some_and(|v| v == "on");
    match store.use_card_link(&token).await {
        Ok(true) => {}
        Ok(false) => return dead(Dead::Used),
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
    let card_id = match store.add_card_kept(&link.account_id, &saved, save).await {
        Ok(id) => id,
        Err(e) => {
            tracing::error!(error = %e, "could not keep a card");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let event = Event::CardAdded {
        checkout_key: link.checkout_key.clone(),
        card_id,
        label: saved.label(),
    };
    let moved_on = match s.respond(&link.identity(), "en", event).await {
        Ok(reply) => {
            update_chat(&s, &link, &reply).await;
            // The checkout may have closed while the card was being tokenized.
            s.checkout_open(&link.identity(), &link.checkout_key)
                .await
                .unwrap_or(false)
        }
        Err(f) => {
            tracing::warn!(reference = %f.reference, "the card was kept but the checkout was not updated");
            false
        }
    };
    if !moved_on {
        return dead(Dead::CheckoutClosed);
    }
    tracing::info!(brand = %saved.brand, saved = save, "card added from the card page");
    page(
        StatusCode::OK,
        "Card added",
        &format!(
            "<p>{} is ready for your order. Go back to the chat to finish; your next message there shows it.</p>",
            text(&saved.label())
        ),
        &new_secret(),
    )
}
