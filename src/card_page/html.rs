//! The card page's HTML: every page has the same security headers and a fresh nonce for
//! its own style and script; every word comes from `prompts/` in the page's locale.

use std::collections::HashMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use html_escape::encode_double_quoted_attribute as attr;
use html_escape::encode_text as text;

use super::order::Paying;
use crate::domain::address::COUNTRIES;
use crate::domain::ids::new_secret;
use crate::prompts::Lang;

/// Every page: no caching, no framing, no referrer, and only our own nonce'd style and script.
pub(crate) fn page(
    status: StatusCode,
    locale: &str,
    title: &str,
    body: &str,
    nonce: &str,
) -> Response {
    page_allowing(status, locale, title, body, nonce, &Allowed::default())
}

/// Origins a page may load beyond its own nonce'd code: Stripe's script, frames and API.
#[derive(Default)]
pub(crate) struct Allowed {
    pub(crate) script: Vec<String>,
    pub(crate) frame: Vec<String>,
    pub(crate) connect: Vec<String>,
    /// Where a form's answer may redirect to (the sign-in page's, to the provider).
    pub form: Vec<String>,
}

/// `url`'s origin (`scheme://host[:port]`), for a CSP source list.
fn origin(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    Some(u.origin().ascii_serialization()).filter(|o| o != "null")
}

/// Like `page`, with `allowed` added to its Content-Security-Policy.
pub(crate) fn page_allowing(
    status: StatusCode,
    locale: &str,
    title: &str,
    body: &str,
    nonce: &str,
    allowed: &Allowed,
) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style nonce=\"{nonce}\">{STYLE}</style></head>\
         <body><main><h1>{title}</h1>{body}</main></body></html>",
        lang = attr(locale),
        title = text(title),
    );
    let mut res = (status, html).into_response();
    let h = res.headers_mut();
    let list = |v: &Vec<String>| v.iter().map(|o| format!(" {o}")).collect::<String>();
    let mut csp = format!(
        "default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'{}; \
         form-action 'self'{}; frame-ancestors 'none'; base-uri 'none'",
        list(&allowed.script),
        list(&allowed.form)
    );
    if !allowed.frame.is_empty() {
        csp.push_str(&format!("; frame-src{}", list(&allowed.frame)));
    }
    if !allowed.connect.is_empty() {
        csp.push_str(&format!("; connect-src{}", list(&allowed.connect)));
    }
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    private(h);
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res
}

/// Middleware for the pages people open: an answer that is not one of our pages (a
/// form or path the extractors refused, a method the route does not take: axum answers
/// those in plain text) becomes our page, with the same headers as every other, in the
/// visitor's language. It says no more than that the request was not accepted.
pub(crate) async fn pages_only(
    axum::extract::State(bot): axum::extract::State<std::sync::Arc<crate::bot::Bot>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let asked = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let response = next.run(request).await;
    let ours = response
        .headers()
        .get(header::CONTENT_SECURITY_POLICY)
        .is_some();
    let status = response.status();
    if ours || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let locale = bot
        .prompts()
        .negotiate(&asked, &bot.config().default_locale);
    let l = bot.prompts().lang(&locale);
    message(
        status,
        &locale,
        &l.t("card_page.refused_request_title"),
        &l.t("card_page.refused_request"),
    )
}

/// What every private answer carries, a page or a file: never cached, never sniffed as
/// another type, and no referrer to the next site.
pub(crate) fn private(h: &mut axum::http::HeaderMap) {
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
}

/// A page that only tells something: a title and one paragraph.
pub(crate) fn message(status: StatusCode, locale: &str, title: &str, said: &str) -> Response {
    page(
        status,
        locale,
        title,
        &format!("<p>{}</p>", text(said)),
        &new_secret(),
    )
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}\
label{display:block;margin-top:1rem;font-weight:600}input{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}\
.row{display:flex;gap:1rem}.row>div{flex:1}.error{color:#a00;font-weight:600}button{margin-top:1.5rem;padding:.75rem 1.5rem;font-size:1rem}\
#brand{font-weight:400;color:#444}.check{display:flex;gap:.5rem;align-items:center}.check input{width:auto}\
select{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}\
table{width:100%;border-collapse:collapse}td,th{padding:.25rem 0;text-align:left;vertical-align:top}\
td:last-child{text-align:right;padding-left:1rem}.amount{white-space:nowrap}.total th,.total td{border-top:1px solid #999;font-weight:700}\
h2{font-size:1.1rem;margin-bottom:.25rem}";

/// Shows the brand as the number is typed; the server decides regardless.
const SCRIPT: &str = "(function(){var n=document.getElementById('number'),b=document.getElementById('brand');\
function brand(d){if(/^4/.test(d))return 'Visa';if(/^3[47]/.test(d))return 'American Express';\
if(/^(5[1-5]|2(2[2-9][1-9]|2[3-9]|[3-6]|7[01]|720))/.test(d))return 'Mastercard';\
if(/^(6011|64[4-9]|65)/.test(d))return 'Discover';return '';}\
n.addEventListener('input',function(){var x=brand(n.value.replace(/[ -]/g,''));b.textContent=x?'('+x+')':'';});})();";

/// What the form needs besides the words: where it posts, its CSRF token, and what the
/// person typed before (never the card number or code).
pub(crate) struct Form<'a> {
    pub(crate) token: &'a str,
    pub(crate) csrf: &'a str,
    pub(crate) values: &'a HashMap<String, String>,
    pub error: Option<&'a str>,
    pub paying: &'a Paying,
}

/// Who is paid, for what, and the total that will be charged.
fn paying(l: &Lang<'_>, p: &Paying) -> String {
    let t = |k: &'static str| text(&l.t(k)).to_string();
    let mut rows = format!(
        "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
        t("card_page.paying_store"),
        text(&p.store)
    );
    if !p.organizations.is_empty() {
        rows.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
            t("card_page.paying_organization"),
            text(&p.organizations.join(", "))
        ));
    }
    for (what, amount) in &p.lines {
        rows.push_str(&format!(
            "<tr><td>{}</td><td class=\"amount\">{}</td></tr>",
            text(what),
            text(amount)
        ));
    }
    rows.push_str(&format!(
        "<tr class=\"total\"><th scope=\"row\">{}</th><td class=\"amount\" id=\"total\">{}</td></tr>",
        t("card_page.paying_total"),
        text(&p.total)
    ));
    format!(
        "<section aria-labelledby=\"paying\"><h2 id=\"paying\">{}</h2><table>{rows}</table></section>",
        t("card_page.paying_title")
    )
}

/// The billing country as a select of names, the one typed before chosen.
fn countries(l: &Lang<'_>, chosen: &str) -> String {
    let mut out = format!(
        "<option value=\"\">{}</option>",
        text(&l.t("card_page.country_placeholder"))
    );
    for c in COUNTRIES {
        let selected = if c.code == chosen { " selected" } else { "" };
        out.push_str(&format!(
            "<option value=\"{}\"{selected}>{}</option>",
            attr(c.code),
            text(&l.country(c.code))
        ));
    }
    out
}

/// The form page.
pub(crate) fn form(status: StatusCode, l: &Lang<'_>, locale: &str, f: &Form<'_>) -> Response {
    let v = |k: &str| attr(f.values.get(k).map_or("", String::as_str)).to_string();
    let t = |k: &'static str| text(&l.t(k)).to_string();
    let error = f.error.map_or(String::new(), |e| {
        format!(
            "<p class=\"error\" role=\"alert\" id=\"error\">{}</p>",
            text(e)
        )
    });
    // Saving a card is opt-in: ticked only when the person ticked it before a refusal.
    let checked = if f.values.get("save").is_some_and(|s| s == "on") {
        " checked"
    } else {
        ""
    };
    let nonce = new_secret();
    let body = format!(
        "{paying}{error}<p>{intro}</p>\
         <form method=\"post\" action=\"/pay/{token}\" autocomplete=\"on\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label for=\"number\">{number} <span id=\"brand\" aria-live=\"polite\"></span></label>\
         <input id=\"number\" name=\"number\" inputmode=\"numeric\" autocomplete=\"cc-number\" required maxlength=\"23\" aria-describedby=\"error\">\
         <div class=\"row\"><div><label for=\"expiry\">{expiry_label}</label>\
         <input id=\"expiry\" name=\"expiry\" autocomplete=\"cc-exp\" placeholder=\"{expiry_placeholder}\" required maxlength=\"7\" value=\"{expiry}\"></div>\
         <div><label for=\"cvv\">{cvv}</label>\
         <input id=\"cvv\" name=\"cvv\" inputmode=\"numeric\" autocomplete=\"cc-csc\" required maxlength=\"4\" aria-describedby=\"cvv-help\">\
         <small id=\"cvv-help\">{cvv_help}</small></div></div>\
         <label for=\"name\">{name_label}</label>\
         <input id=\"name\" name=\"name\" autocomplete=\"cc-name\" required maxlength=\"100\" value=\"{name}\">\
         <label for=\"address\">{address_label}</label>\
         <input id=\"address\" name=\"address\" autocomplete=\"billing street-address\" required maxlength=\"200\" value=\"{address}\">\
         <div class=\"row\"><div><label for=\"city\">{city_label}</label>\
         <input id=\"city\" name=\"city\" autocomplete=\"billing address-level2\" required maxlength=\"100\" value=\"{city}\"></div>\
         <div><label for=\"postal_code\">{postal_label}</label>\
         <input id=\"postal_code\" name=\"postal_code\" autocomplete=\"billing postal-code\" required maxlength=\"12\" value=\"{postal}\"></div></div>\
         <label for=\"country\">{country_label}</label>\
         <select id=\"country\" name=\"country\" autocomplete=\"billing country\" required>{countries}</select>\
         <p class=\"check\"><input type=\"checkbox\" id=\"save\" name=\"save\"{checked}><label for=\"save\">{save}</label></p>\
         <button type=\"submit\">{submit}</button></form>\
         <script nonce=\"{nonce}\">{SCRIPT}</script>",
        intro = t("card_page.intro"),
        token = attr(f.token),
        csrf = attr(f.csrf),
        number = t("card_page.number"),
        expiry_label = t("card_page.expiry"),
        expiry_placeholder = attr(&l.t("card_page.expiry_placeholder")),
        cvv = t("card_page.cvv"),
        cvv_help = t("card_page.cvv_help"),
        name_label = t("card_page.name"),
        address_label = t("card_page.address"),
        city_label = t("card_page.city"),
        postal_label = t("card_page.postal_code"),
        country_label = t("card_page.country"),
        save = t("card_page.save"),
        submit = t("card_page.submit"),
        expiry = v("expiry"),
        name = v("name"),
        address = v("address"),
        city = v("city"),
        postal = v("postal_code"),
        countries = countries(l, f.values.get("country").map_or("", String::as_str)),
        paying = paying(l, f.paying),
    );
    page(status, locale, &l.t("card_page.title"), &body, &nonce)
}

/// What the Stripe form needs: the SetupIntent Stripe.js confirms, and where Stripe is.
pub(crate) struct StripeForm<'a> {
    pub(crate) token: &'a str,
    pub(crate) csrf: &'a str,
    pub(crate) setup_intent: &'a str,
    pub(crate) client_secret: &'a str,
    pub(crate) publishable_key: &'a str,
    pub(crate) js_url: &'a str,
    pub(crate) api_base: &'a str,
    pub error: Option<&'a str>,
    pub paying: &'a Paying,
}

/// Confirms the SetupIntent with the card Element, then posts only its id back.
const STRIPE_SCRIPT: &str = "(function(){var f=document.getElementById('card-form'),e=document.getElementById('card-errors'),b=document.getElementById('add-card');\
var stripe=Stripe(f.dataset.key),card=stripe.elements().create('card');card.mount('#card-element');\
f.addEventListener('submit',function(ev){if(f.dataset.done)return;ev.preventDefault();if(b.disabled)return;b.disabled=true;e.textContent='';\
stripe.confirmCardSetup(f.dataset.secret,{payment_method:{card:card,billing_details:{name:document.getElementById('name').value}}}).then(function(r){\
if(r.error){e.textContent=(r.error&&r.error.message)||f.dataset.failed;b.disabled=false;}else{f.dataset.done='1';HTMLFormElement.prototype.submit.call(f);}});});})();";

/// The card page with Stripe's card Element: the number goes from the browser to Stripe.
pub(crate) fn stripe_form(
    status: StatusCode,
    l: &Lang<'_>,
    locale: &str,
    f: &StripeForm<'_>,
) -> Response {
    let t = |k: &'static str| text(&l.t(k)).to_string();
    let error = f.error.map_or(String::new(), |e| {
        format!(
            "<p class=\"error\" role=\"alert\" id=\"error\">{}</p>",
            text(e)
        )
    });
    let nonce = new_secret();
    let body = format!(
        "{paying}{error}<p>{intro}</p>\
         <form id=\"card-form\" method=\"post\" action=\"/pay/{token}\" data-key=\"{key}\" data-secret=\"{secret}\" data-failed=\"{failed}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <input type=\"hidden\" name=\"setup_intent\" value=\"{setup_intent}\">\
         <label for=\"name\">{name_label}</label>\
         <input id=\"name\" name=\"name\" autocomplete=\"cc-name\" required maxlength=\"100\">\
         <label for=\"card-element\">{card_label}</label><div id=\"card-element\"></div>\
         <p class=\"error\" role=\"alert\" id=\"card-errors\"></p>\
         <p class=\"check\"><input type=\"checkbox\" id=\"save\" name=\"save\"><label for=\"save\">{save}</label></p>\
         <button type=\"submit\" id=\"add-card\">{submit}</button></form>\
         <script nonce=\"{nonce}\" src=\"{js}\"></script>\
         <script nonce=\"{nonce}\">{STRIPE_SCRIPT}</script>",
        paying = paying(l, f.paying),
        intro = t("card_page.stripe_intro"),
        token = attr(f.token),
        key = attr(f.publishable_key),
        secret = attr(f.client_secret),
        failed = attr(&l.t("card_page.setup_refused")),
        csrf = attr(f.csrf),
        setup_intent = attr(f.setup_intent),
        name_label = t("card_page.name"),
        card_label = t("card_page.card"),
        save = t("card_page.save"),
        submit = t("card_page.submit"),
        js = attr(f.js_url),
    );
    let allowed = stripe_sources(f.js_url, f.api_base);
    page_allowing(
        status,
        locale,
        &l.t("card_page.title"),
        &body,
        &nonce,
        &allowed,
    )
}

/// What the payment confirmation page needs.
pub(crate) struct ConfirmForm<'a> {
    pub(crate) token: &'a str,
    pub(crate) csrf: &'a str,
    pub(crate) client_secret: &'a str,
    pub(crate) publishable_key: &'a str,
    pub js_url: &'a str,
    pub api_base: &'a str,
}

/// Runs the bank's check with Stripe.js, then posts back for the server to ask Stripe.
const CONFIRM_SCRIPT: &str = "(function(){var f=document.getElementById('confirm-form'),e=document.getElementById('card-errors'),b=document.getElementById('confirm');\
var stripe=Stripe(f.dataset.key);f.addEventListener('submit',function(ev){if(f.dataset.done)return;ev.preventDefault();if(b.disabled)return;b.disabled=true;\
stripe.confirmCardPayment(f.dataset.secret).then(function(r){if(r&&r.error){e.textContent=r.error.message||'';}f.dataset.done='1';HTMLFormElement.prototype.submit.call(f);});});})();";

/// The page where the buyer confirms a payment with their bank.
pub(crate) fn confirm_form(l: &Lang<'_>, locale: &str, f: &ConfirmForm<'_>) -> Response {
    let t = |k: &'static str| text(&l.t(k)).to_string();
    let nonce = new_secret();
    let body = format!(
        "<p>{intro}</p>\
         <form id=\"confirm-form\" method=\"post\" action=\"/pay/confirm/{token}\" data-key=\"{key}\" data-secret=\"{secret}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <p class=\"error\" role=\"alert\" id=\"card-errors\"></p>\
         <button type=\"submit\" id=\"confirm\">{button}</button></form>\
         <script nonce=\"{nonce}\" src=\"{js}\"></script>\
         <script nonce=\"{nonce}\">{CONFIRM_SCRIPT}</script>",
        intro = t("card_page.confirm_intro"),
        token = attr(f.token),
        key = attr(f.publishable_key),
        secret = attr(f.client_secret),
        csrf = attr(f.csrf),
        button = t("card_page.confirm_button"),
        js = attr(f.js_url),
    );
    page_allowing(
        StatusCode::OK,
        locale,
        &l.t("card_page.confirm_title"),
        &body,
        &nonce,
        &stripe_sources(f.js_url, f.api_base),
    )
}

/// Stripe's script, frames (its fields and 3-D Secure run in frames of its own) and
/// API, for a page's CSP.
fn stripe_sources(js_url: &str, api_base: &str) -> Allowed {
    let js = origin(js_url).into_iter().collect::<Vec<_>>();
    Allowed {
        form: Vec::new(),
        script: js.clone(),
        frame: js
            .iter()
            .cloned()
            .chain(["https://hooks.stripe.com".to_string()])
            .collect(),
        connect: origin(api_base)
            .into_iter()
            .chain(js)
            .fold(Vec::new(), |mut all, o| {
                if !all.contains(&o) {
                    all.push(o);
                }
                all
            }),
    }
}
