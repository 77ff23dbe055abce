//! Unit tests of the conversation rules: every step, every bad input, stale clicks.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::event::{Command, Event};
use super::fake::FakeBackend;
use super::session::Session;
use super::view::{ActionKind, NoticeKind, Reply};
use super::{Ctx, Engine, Settings};
use crate::domain::account::Identity;
use crate::domain::catalog::{Catalog, Product};
use crate::import::catalog::demo_catalog;
use crate::prompts::Prompts;

const TTL: Duration = Duration::from_secs(24 * 3600);

pub(super) struct Harness {
    pub(crate) engine: Engine,
    pub(crate) catalog: Catalog,
    pub(crate) backend: FakeBackend,
    pub(crate) s: Session,
    pub(crate) now: i64,
    pub(crate) last: Reply,
    runtime: tokio::runtime::Runtime,
}

pub(super) fn settings() -> Settings {
    Settings {
        session_ttl: TTL,
        terms_url: "https://example.com/terms".into(),
        support_url: "https://support.example.com".into(),
        howto_url: "https://support.example.com/howto".into(),
        wire_instructions: "Bank 123.".into(),
        check_instructions: "Mail to 1 Example Way.".into(),
        sign_in_valid_ms: None,
    }
}

impl Harness {
    pub(super) fn new() -> Self {
        Harness::with_catalog(demo_catalog())
    }

    fn with_catalog(catalog: Catalog) -> Self {
        Harness::with(catalog, FakeBackend::new())
    }

    pub(super) fn with(catalog: Catalog, backend: FakeBackend) -> Self {
        let engine = Engine::new(Arc::new(Prompts::embedded().unwrap()), settings());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut h = Harness {
            engine,
            catalog,
            backend,
            s: Session::default(),
            now: 1_000,
            last: Reply {
                document: None,
                notice: None,
                view: super::view::View::new("none", String::new()),
            },
            runtime,
        };
        h.now -= 1_000;
        h.send(Event::Start);
        h
    }

    pub(super) fn send(&mut self, e: Event) -> &Reply {
        self.now += 1_000;
        let who = Identity::new("test", "local", "tess");
        let ctx = Ctx {
            catalog: &self.catalog,
            now: self.now,
            locale: "en",
            account_id: "acct_test",
            who: &who,
            reply_handle: None,
        };
        let handled =
            self.runtime
                .block_on(self.engine.handle(&mut self.s, &ctx, &self.backend, e));
        self.last = handled.expect("the fake backend does not fail");
        for a in &self.last.view.actions {
            let Some(id) = super::action::ActionId::decode(&a.id) else {
                continue;
            };
            let shown = match a.kind {
                ActionKind::Select { .. } => super::action::Shape::Select,
                ActionKind::Form { .. } | ActionKind::Search { .. } => super::action::Shape::Form,
                _ => super::action::Shape::Button,
            };
            assert_eq!(shown, id.verb.shape(), "{} is shown as {shown:?}", a.id);
        }
        // As the store would: every event starts from the state read back from JSON.
        let (rev, updated_at) = (self.s.rev, self.s.updated_at);
        self.s = serde_json::from_str(&serde_json::to_string(&self.s).unwrap()).unwrap();
        (self.s.rev, self.s.updated_at) = (rev, updated_at);
        &self.last
    }

    pub(super) fn line(&mut self, text: &str) -> &Reply {
        self.send(Event::from_line(text))
    }

    pub(super) fn id(&self, label: &str) -> String {
        match self.last.view.actions.iter().find(|a| a.label == label) {
            Some(a) => a.id.clone(),
            None => panic!("no action '{label}' in {:#?}", self.last.view.actions),
        }
    }

    pub(super) fn click(&mut self, label: &str) -> &Reply {
        let action = self.id(label);
        self.send(Event::Click { action })
    }

    pub(super) fn choose(&mut self, label: &str, value: &str) -> &Reply {
        let action = self.id(label);
        self.send(Event::Choose {
            action,
            values: vec![value.into()],
        })
    }

    pub(super) fn submit(&mut self, label: &str, field: &str, value: &str) -> &Reply {
        let action = self.id(label);
        let fields = BTreeMap::from([(field.to_string(), value.to_string())]);
        self.send(Event::Submit { action, fields })
    }

    pub(super) fn submit_fields(
        &mut self,
        label: &str,
        fields: &BTreeMap<String, String>,
    ) -> &Reply {
        let action = self.id(label);
        self.send(Event::Submit {
            action,
            fields: fields.clone(),
        })
    }

    pub(super) fn step(&self) -> &'static str {
        self.last.view.step
    }

    pub(super) fn notice(&self) -> (NoticeKind, &str) {
        let n = self.last.notice.as_ref().expect("a notice");
        (n.kind, n.text.as_str())
    }

    pub(super) fn field(&self, label: &str) -> &str {
        self.last
            .view
            .fields
            .iter()
            .find(|f| f.label == label)
            .map(|f| f.value.as_str())
            .unwrap_or_else(|| panic!("no field {label}"))
    }

    /// Runs `f`, which must be refused: an error or warning, and the session untouched.
    pub(super) fn refused(&mut self, f: impl FnOnce(&mut Self)) -> String {
        let before = self.s.clone();
        f(self);
        assert_eq!(self.s, before, "a refused input changed the session");
        let (kind, text) = self.notice();
        assert!(
            matches!(
                kind,
                NoticeKind::Error | NoticeKind::Warning | NoticeKind::Info
            ),
            "{kind:?}"
        );
        text.to_string()
    }

    pub(super) fn open_product(&mut self, category: &str, sku: &str) {
        self.line("/buy");
        let section = self.catalog.category(category).unwrap().section.clone();
        self.choose("Section", &section);
        self.choose("Category", category);
        self.choose("Details", &format!("p:{sku}"));
        assert_eq!(self.step(), "product", "{:?}", self.last.notice);
    }
}

#[test]
fn start_shows_welcome_and_changes_nothing() {
    let h = Harness::new();
    assert_eq!(h.step(), "welcome");
    assert_eq!(h.s.rev, 0);
    assert!(h.last.notice.is_none());
}

#[test]
fn buy_opens_the_default_category_and_names_can_pick_another() {
    let mut h = Harness::new();
    h.line("/buy");
    assert_eq!(h.step(), "store");
    assert!(h.last.view.title.contains("Support") && h.last.view.title.contains("Hourly Support"));
    h.line("/buy phones");
    assert!(
        h.last.view.title.contains("Hardware › Phones"),
        "{}",
        h.last.view.title
    );
    h.line("/buy support credit");
    assert!(h.last.view.title.contains("Support Credits"));
    h.line("/buy zzzz");
    assert!(h.last.view.title.contains("Hourly Support"));
    assert!(h.notice().1.contains("zzzz"));
}

#[test]
fn sections_and_categories_switch_and_refuse_unknown_ids() {
    let mut h = Harness::new();
    h.line("/buy");
    h.choose("Section", "hardware");
    assert!(h.last.view.title.contains("Phones"));
    h.choose("Section", "modules");
    assert!(h.last.view.title.contains("Modules"));
    let msg = h.refused(|h| {
        h.choose("Section", "nope");
    });
    assert!(msg.contains("section"), "{msg}");
    let msg = h.refused(|h| {
        h.choose("Category", "../etc");
    });
    assert!(msg.contains("category"), "{msg}");
    h.refused(|h| {
        let action = h.id("Category");
        h.send(Event::Choose {
            action,
            values: vec![],
        });
    });
    h.refused(|h| {
        let action = h.id("Category");
        h.send(Event::Choose {
            action,
            values: vec!["phones".into(), "modules".into()],
        });
    });
    h.refused(|h| {
        h.click("Category");
    });
}

#[test]
fn details_show_price_requirements_and_rules() {
    let mut h = Harness::new();
    h.open_product("modules", "MOD-EPM");
    assert_eq!(h.field("Price"), "USD 199.00 per license");
    assert!(h.field("Needs").contains("deployment"));
    assert!(
        h.last.view.actions.iter().all(|a| a.label != "+"),
        "a fixed quantity has no −/+"
    );
    let pick = format!("{}:pick", h.s.rev);
    let msg = h.refused(|h| {
        h.send(Event::Choose {
            action: pick,
            values: vec!["p:MOD-EPM".into()],
        });
    });
    assert!(msg.contains("doesn't belong"), "{msg}");
}

#[test]
fn picking_an_item_from_another_category_is_refused() {
    let mut h = Harness::new();
    h.line("/buy");
    let msg = h.refused(|h| {
        h.choose("Details", "p:PHN-P310");
    });
    assert!(msg.contains("not for sale"), "{msg}");
}

#[test]
fn plus_and_minus_follow_min_max_and_step() {
    let mut h = Harness::new();
    h.open_product("support-credits", "SUP-CREDIT");
    assert_eq!(h.field("Quantity"), "5");
    h.click("+");
    assert_eq!(h.field("Quantity"), "10");
    assert_eq!(h.field("Line total"), "USD 1,000.00");
    h.click("−");
    let msg = h.refused(|h| {
        h.click("−");
    });
    assert!(msg.contains("smallest"), "{msg}");
    h.line("500");
    let msg = h.refused(|h| {
        h.click("+");
    });
    assert!(msg.contains("largest"), "{msg}");
}

#[test]
fn typed_quantities_are_validated_and_bad_ones_change_nothing() {
    let mut h = Harness::new();
    h.open_product("support-credits", "SUP-CREDIT");
    h.line("25");
    assert_eq!(h.field("Quantity"), "25");
    h.line("30 credits");
    assert_eq!(h.field("Quantity"), "30", "a trailing unit is fine");
    for bad in [
        "abc",
        "0",
        "7",
        "505",
        "-5",
        "1e3",
        "99999999999",
        "5 5",
        "",
    ] {
        let msg = h.refused(|h| {
            h.line(bad);
        });
        assert!(
            msg.contains("5 to 500") || msg.contains("whole number"),
            "{bad:?}: {msg}"
        );
        assert_eq!(h.step(), "product", "stays on the step after {bad:?}");
        assert_eq!(
            h.field("Quantity"),
            "30",
            "keeps the earlier answer after {bad:?}"
        );
    }
    h.submit("Type a quantity", "quantity", "45");
    assert_eq!(h.field("Quantity"), "45");
    h.refused(|h| {
        h.submit("Type a quantity", "quantity", "46");
    });
    h.refused(|h| {
        h.submit("Type a quantity", "wrong", "50");
    });
}

#[test]
fn add_to_cart_merges_and_returns_to_shopping() {
    let mut h = Harness::new();
    h.open_product("hourly-support", "SUP-HOURLY");
    h.line("150");
    h.click("Add to cart");
    assert_eq!(h.step(), "store");
    assert_eq!(h.notice().0, NoticeKind::Success);
    assert!(h.id("View cart (1)").ends_with(":cart"));
    h.choose("Details", "p:SUP-HOURLY");
    h.line("60");
    let msg = h.refused(|h| {
        h.click("Add to cart");
    });
    assert!(msg.contains("already has 150"), "{msg}");
    h.line("50");
    h.click("Add to cart");
    assert_eq!(h.s.cart.lines[0].qty, 200);
}

#[test]
fn shopping_two_sections_then_editing_the_cart() {
    let mut h = Harness::new();
    h.open_product("hourly-support", "SUP-HOURLY");
    h.line("3");
    h.click("Add to cart");
    h.choose("Section", "hardware");
    h.choose("Details", "p:PHN-P330");
    h.click("+");
    h.click("Add to cart");
    h.line("/cart");
    assert_eq!(h.step(), "cart");
    assert_eq!(h.field("Subtotal"), "USD 673.00");
    assert_eq!(
        h.field("Hourly Support × 3"),
        "USD 375.00 (USD 125.00 each)"
    );

    let phone_line = h.s.cart.lines[1].id.to_string();
    h.choose("Change a line", &phone_line);
    assert_eq!(h.step(), "line");
    h.click("+");
    assert_eq!(h.field("Quantity"), "3");
    h.line("10");
    assert_eq!(h.field("Line total"), "USD 1,490.00");
    h.refused(|h| {
        h.line("0");
    });
    h.click("Remove from cart");
    assert_eq!(h.step(), "cart");
    assert_eq!(h.s.cart.lines.len(), 1);
    assert_eq!(h.field("Subtotal"), "USD 375.00");
    let msg = h.refused(|h| {
        h.choose("Change a line", &phone_line);
    });
    assert!(msg.contains("no longer"), "{msg}");
    h.refused(|h| {
        h.choose("Change a line", "not-a-number");
    });
}

#[test]
fn line_actions_only_apply_to_the_line_being_edited() {
    let mut h = Harness::new();
    h.open_product("hourly-support", "SUP-HOURLY");
    h.click("Add to cart");
    h.choose("Category", "per-incident");
    h.choose("Details", "p:SUP-INCIDENT-1");
    h.click("Add to cart");
    h.line("/cart");
    let first = h.s.cart.lines[0].id;
    let second = h.s.cart.lines[1].id;
    h.choose("Change a line", &first.to_string());
    let forged = format!("{}:lrm:{second}", h.s.rev);
    h.refused(|h| {
        h.send(Event::Click { action: forged });
    });
    assert_eq!(h.s.cart.lines.len(), 2);
}

#[test]
fn emptying_the_cart_asks_first() {
    let mut h = Harness::new();
    h.open_product("phones", "PHN-P310");
    h.click("Add to cart");
    h.line("/cart");
    h.click("Empty cart");
    assert_eq!(h.step(), "confirm_empty");
    h.click("No, keep it");
    assert_eq!(h.s.cart.lines.len(), 1);
    h.click("Empty cart");
    h.click("Yes, empty it");
    assert!(h.s.cart.is_empty());
    assert!(h.last.view.body.contains("empty"));
    assert!(h.last.view.actions.iter().all(|a| a.label != "Checkout"));
}

#[test]
fn the_wizard_asks_three_questions_and_resolves_one_sku() {
    let mut h = Harness::new();
    h.line("/buy PBXact POMPs");
    h.choose("Details", "f:pbxact-pomp");
    assert_eq!(h.step(), "wizard");
    assert!(h.last.view.body.contains("Step 1 of 3: Appliance model"));
    h.refused(|h| {
        h.choose("Appliance model", "PBXact 9000");
    });
    h.choose("Appliance model", "PBXact 40");
    h.choose("Plan level", "Premium");
    h.click("Back");
    assert!(h.last.view.body.contains("Step 2 of 3"));
    h.choose("Plan level", "Basic");
    h.choose("Term", "3 years");
    assert_eq!(h.step(), "product");
    assert_eq!(h.last.view.title, "PBXact POMP, PBXact 40, Basic, 3 years");
    h.click("Back");
    assert!(
        h.last.view.body.contains("Step 3 of 3"),
        "back from the product returns to the last question"
    );
    h.choose("Term", "1 year");
    h.click("Add to cart");
    assert_eq!(h.s.cart.lines[0].sku, "POMP-PBXACT40-BASIC-1Y");
}

#[test]
fn the_wizard_keeps_its_answers_when_you_step_out_and_back_in() {
    let mut h = Harness::new();
    h.line("/buy PBXact POMPs");
    h.choose("Details", "f:pbxact-pomp");
    h.choose("Appliance model", "PBXact 40");
    h.choose("Plan level", "Premium");
    h.line("/cart");
    h.line("/buy PBXact POMPs");
    h.choose("Details", "f:pbxact-pomp");
    assert!(
        h.last.view.body.contains("Step 3 of 3"),
        "{}",
        h.last.view.body
    );
    h.choose("Term", "1 year");
    assert_eq!(h.last.view.title, "PBXact POMP, PBXact 40, Premium, 1 year");
    h.line("/cart");
    h.line("/buy PBXact POMPs");
    h.choose("Details", "f:pbxact-pomp");
    assert!(
        h.last.view.body.contains("Step 3 of 3"),
        "after the product, back at its last question: {}",
        h.last.view.body
    );
}

#[test]
fn a_click_on_an_earlier_message_is_stale_and_changes_nothing() {
    let mut h = Harness::new();
    h.open_product("hourly-support", "SUP-HOURLY");
    let old_add = h.id("Add to cart");
    h.click("+");
    let rev = h.s.rev;
    let msg = h.refused(|h| {
        h.send(Event::Click {
            action: old_add.clone(),
        });
    });
    assert!(msg.contains("out of date"), "{msg}");
    assert_eq!(h.s.rev, rev);
    assert_eq!(
        h.step(),
        "product",
        "the reply shows where the user really is"
    );
    assert!(h.s.cart.is_empty());
}

#[test]
fn malformed_or_forged_action_ids_are_refused() {
    let mut h = Harness::new();
    h.open_product("hourly-support", "SUP-HOURLY");
    let rev = h.s.rev;
    for bad in [
        "",
        "add",
        "x:add",
        &format!("{rev}:drop_tables"),
        &format!("{rev}:add:1:2"),
        &"9".repeat(200),
    ] {
        let msg = h.refused(|h| {
            h.send(Event::Click {
                action: bad.to_string(),
            });
        });
        assert!(msg.contains("recognise"), "{bad}: {msg}");
    }
    // Current and well-formed, but for another step.
    let msg = h.refused(|h| {
        h.send(Event::Click {
            action: format!("{rev}:emptyok"),
        });
    });
    assert!(msg.contains("doesn't belong"), "{msg}");
}

#[test]
fn revision_goes_up_once_per_change_and_never_on_refusal() {
    let mut h = Harness::new();
    h.line("/buy");
    assert_eq!(h.s.rev, 1);
    h.line("/help");
    assert_eq!(h.s.rev, 1, "help changes nothing");
    h.line("hello there");
    assert_eq!(h.s.rev, 1);
    assert!(h.notice().1.contains("/help"));
    h.choose("Category", "support-credits");
    assert_eq!(h.s.rev, 2);
    assert!(h.last.view.actions.iter().all(|a| a.id.starts_with("2:")));
}

#[test]
fn cancel_leaves_the_flow_and_keeps_the_cart() {
    let mut h = Harness::new();
    h.open_product("phones", "PHN-P310");
    h.click("Add to cart");
    h.choose("Details", "p:PHN-P330");
    h.line("/cancel");
    assert_eq!(h.step(), "welcome");
    assert!(h.notice().1.contains("1 line"));
    assert_eq!(h.s.cart.lines.len(), 1);
    h.line("/buy");
    assert!(
        h.last.view.title.contains("Phones"),
        "the store reopens where the user was"
    );
}

#[test]
fn unknown_commands_get_help() {
    let mut h = Harness::new();
    let msg = h.refused(|h| {
        h.line("/frobnicate");
    });
    assert!(msg.contains("/buy") && msg.contains("frobnicate"), "{msg}");
}

#[test]
fn checkout_needs_a_cart_and_an_idle_checkout_restarts_at_the_cart() {
    let mut h = Harness::new();
    let msg = h.refused(|h| {
        h.line("/checkout");
    });
    assert!(msg.contains("empty"), "{msg}");
    h.open_product("phones", "PHN-P310");
    h.click("Add to cart");
    h.line("/cart");
    h.click("Checkout");
    assert_eq!(h.step(), "shipping");
    assert!(h.s.step.in_checkout());
    h.now += TTL.as_millis() as i64 + 1;
    h.send(Event::Start);
    assert_eq!(h.step(), "cart");
    assert!(h.notice().1.contains("idle"), "{:?}", h.last.notice);
    assert_eq!(h.s.cart.lines.len(), 1, "the cart is kept");
}

#[test]
fn shopping_steps_do_not_expire() {
    let mut h = Harness::new();
    h.open_product("phones", "PHN-P310");
    h.now += TTL.as_millis() as i64 * 3;
    h.send(Event::Start);
    assert_eq!(h.step(), "product");
}

#[test]
fn a_withdrawn_product_blocks_checkout_until_removed() {
    let mut h = Harness::new();
    h.open_product("phones", "PHN-P310");
    h.click("Add to cart");
    h.catalog.products.retain(|p| p.sku != "PHN-P310");
    h.line("/cart");
    assert!(
        h.last
            .view
            .fields
            .iter()
            .any(|f| f.label.contains("no longer sold"))
    );
    let msg = h.refused(|h| {
        h.click("Checkout");
    });
    assert!(msg.contains("no longer sold"), "{msg}");
}

#[test]
fn long_listings_are_paged_at_25() {
    let mut catalog = demo_catalog();
    let template: Product = catalog.product("PHN-P310").unwrap().clone();
    for i in 0..30 {
        let mut p = template.clone();
        p.sku = format!("PHN-X{i:02}");
        p.name = format!("Phone X{i:02}");
        catalog.products.push(p);
    }
    let mut h = Harness::with_catalog(catalog);
    h.line("/buy phones");
    let options = |h: &Harness| match &h
        .last
        .view
        .actions
        .iter()
        .find(|a| a.label == "Details")
        .unwrap()
        .kind
    {
        ActionKind::Select { options, .. } => options.len(),
        _ => 0,
    };
    assert_eq!(options(&h), 25);
    h.click("More ▶");
    assert_eq!(options(&h), 35 - 25);
    h.choose("Details", "p:PHN-X29");
    assert_eq!(h.last.view.title, "Phone X29");
    h.click("Back");
    h.click("◀ Previous");
    assert_eq!(options(&h), 25);
    let rev = h.s.rev;
    h.refused(|h| {
        h.send(Event::Click {
            action: format!("{rev}:page:7"),
        });
    });
}

#[test]
fn every_action_id_fits_every_platform_and_is_unique_per_view() {
    let mut h = Harness::new();
    h.open_product("support-credits", "SUP-CREDIT");
    for reply in [
        h.last.clone(),
        h.line("/cart").clone(),
        h.line("/buy").clone(),
    ] {
        let ids: Vec<_> = reply.view.actions.iter().map(|a| a.id.clone()).collect();
        let unique: std::collections::HashSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "{ids:?}");
        assert!(ids.iter().all(|id| id.len() <= 100));
    }
}

#[test]
fn commands_parse_to_the_right_variants() {
    assert_eq!(
        Event::from_line("/checkout"),
        Event::Command(Command::Checkout)
    );
}

/// Regression: a select-shaped payload on the Process button placed the order.
#[test]
fn an_action_of_the_wrong_shape_is_refused() {
    let mut h = Harness::new();
    h.line("/buy");
    let section = h.id("Section");
    let cart = h.id("View cart (0)");
    let msg = h.refused(|h| {
        h.send(Event::Choose {
            action: cart.clone(),
            values: vec!["x".into()],
        });
    });
    assert!(msg.contains("recognise"), "{msg}");
    h.refused(|h| {
        h.send(Event::Click { action: section });
    });
    h.refused(|h| {
        h.send(Event::Submit {
            action: cart,
            fields: BTreeMap::new(),
        });
    });
}
