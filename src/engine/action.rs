//! Action ids: what a button, select or form stands for, with the session revision it
//! was rendered at.
//!
//! The text form is `REV:VERB` or `REV:VERB:N`, at most 100 characters (the
//! strictest platform's limit on an action id). Ids come back in payloads, so they are untrusted: decoding is
//! strict and anything that does not fit exactly is refused.

use std::fmt;

/// The longest action id any platform accepts from us.
pub const MAX_ID_LEN: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// Open the store where the user was browsing.
    Shop,
    /// Select: a section id.
    Section,
    /// Select: a category id.
    Category,
    /// Select: `p:SKU` or `f:FAMILY` from a category listing.
    Pick,
    /// Show page N of the category listing.
    Page(u32),
    Dec,
    Inc,
    /// Form: the quantity field.
    Quantity,
    Add,
    /// Back from a product or wizard to the category listing.
    Store,
    /// Select: the answer to the wizard's current question.
    Answer,
    /// Back one wizard question.
    WizardBack,
    Cart,
    CartPage(u32),
    /// Select: a cart line id to change.
    EditLine,
    LineDec(u32),
    LineInc(u32),
    LineQuantity(u32),
    LineRemove(u32),
    Empty,
    EmptyConfirmed,
    Checkout,
    Help,
    /// Back from help to where the user was.
    Resume,
    Cancel,
    /// Form: a deployment search (`query`).
    DeploymentSearch,
    /// Select: a deployment id for the current line.
    ChooseDeployment,
    ApplyToAll,
    /// On to the next deployment line, or the next step.
    NextLine,
    /// Yes, this deployment, look-alikes and all.
    ConfirmDeployment,
    /// Select: an organization for every organization-specific line.
    OrgForAll,
    /// Select: a line whose organization to change.
    OrgLine,
    /// Select: an organization for the line being changed.
    OrgForLine,
    /// Form: filter organizations (`query`).
    OrgSearch,
    OrgsDone,
    /// Select: the shipping country.
    Country,
    /// Form: the address fields.
    Address,
    /// Select: a shipping rate id.
    Rate,
    ShippingDone,
    /// Select: a payment method.
    PayWith,
    PoYes,
    PoNo,
    /// Form: the PO number (`po`).
    PoNumber,
    Agree,
    /// Edit one part from the summary (see `steps::checkout::Part`).
    Edit(u32),
    Process,
    Orders,
    Quotes,
    /// Select: an order number.
    ViewOrder,
    BuyAgain,
    Convert,
    ShortcutYes,
    ShortcutNo,
    /// Select: which deployment line to choose for.
    DeploymentLine,
    /// Back one checkout step.
    Back,
    /// Select: a saved card to remove.
    RemoveCard,
    RemoveCardYes,
    RemoveCardNo,
    /// Select: an order to buy again, from the list.
    BuyAgainFrom,
    /// Buy again, licenses a deployment already has included.
    AgainYes,
    /// Buy again without the licenses a deployment already has.
    AgainLeaveOut,
    AgainNo,
    /// Continue with the pre-selected payment method.
    PaySuggested,
    /// From the cart: clear the kept checkout answers (asks first).
    StartOver,
    StartOverYes,
    StartOverNo,
    /// Form: the address to email a sign-in code to (`email`). Answered by sign-in,
    /// before the engine: only a person who is not signed in is shown it.
    SignInEmail,
    /// Form: the emailed sign-in code (`code`), answered by sign-in like `SignInEmail`.
    SignInCode,
}

/// What kind of control a verb is rendered as, and so what input it may come with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A click, with nothing else.
    Button,
    /// Chosen values.
    Select,
    /// Form fields.
    Form,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionId {
    pub rev: u64,
    pub verb: Verb,
}

impl Verb {
    /// Whether a typed "yes" means this verb where it is shown: a confirmation.
    pub fn is_yes(self) -> bool {
        use Verb::*;
        matches!(
            self,
            PoYes
                | ConfirmDeployment
                | EmptyConfirmed
                | ShortcutYes
                | Agree
                | RemoveCardYes
                | StartOverYes
                | AgainYes
        )
    }

    /// Whether a typed "no" means this verb where it is shown.
    pub fn is_no(self) -> bool {
        matches!(
            self,
            Verb::PoNo | Verb::ShortcutNo | Verb::RemoveCardNo | Verb::StartOverNo | Verb::AgainNo
        )
    }

    /// The control this verb is rendered as. A payload whose shape differs (a select
    /// submitted on a button's id) is forged and refused.
    pub fn shape(self) -> Shape {
        use Verb::*;
        match self {
            Section | Category | Pick | Answer | EditLine | ChooseDeployment | DeploymentLine
            | OrgForAll | OrgLine | OrgForLine | Country | Rate | PayWith | ViewOrder
            | RemoveCard | BuyAgainFrom => Shape::Select,
            Quantity | LineQuantity(_) | DeploymentSearch | OrgSearch | Address | PoNumber
            | SignInEmail | SignInCode => Shape::Form,
            _ => Shape::Button,
        }
    }

    fn parts(self) -> (&'static str, Option<u32>) {
        use Verb::*;
        match self {
            Shop => ("shop", None),
            Section => ("sec", None),
            Category => ("cat", None),
            Pick => ("pick", None),
            Page(n) => ("page", Some(n)),
            Dec => ("dec", None),
            Inc => ("inc", None),
            Quantity => ("qty", None),
            Add => ("add", None),
            Store => ("store", None),
            Answer => ("ans", None),
            WizardBack => ("wback", None),
            Cart => ("cart", None),
            CartPage(n) => ("cpage", Some(n)),
            EditLine => ("line", None),
            LineDec(n) => ("ldec", Some(n)),
            LineInc(n) => ("linc", Some(n)),
            LineQuantity(n) => ("lqty", Some(n)),
            LineRemove(n) => ("lrm", Some(n)),
            Empty => ("empty", None),
            EmptyConfirmed => ("emptyok", None),
            Checkout => ("checkout", None),
            Help => ("help", None),
            Resume => ("resume", None),
            Cancel => ("cancel", None),
            DeploymentSearch => ("dsearch", None),
            ChooseDeployment => ("dchoose", None),
            ApplyToAll => ("dall", None),
            NextLine => ("dnext", None),
            ConfirmDeployment => ("dyes", None),
            OrgForAll => ("oall", None),
            OrgLine => ("oline", None),
            OrgForLine => ("oset", None),
            OrgSearch => ("osearch", None),
            OrgsDone => ("odone", None),
            Country => ("country", None),
            Address => ("addr", None),
            Rate => ("rate", None),
            ShippingDone => ("sdone", None),
            PayWith => ("pay", None),
            PoYes => ("poyes", None),
            PoNo => ("pono", None),
            PoNumber => ("po", None),
            Agree => ("agree", None),
            Edit(n) => ("edit", Some(n)),
            Process => ("process", None),
            Orders => ("orders", None),
            Quotes => ("quotes", None),
            ViewOrder => ("order", None),
            BuyAgain => ("again", None),
            Convert => ("convert", None),
            ShortcutYes => ("scyes", None),
            ShortcutNo => ("scno", None),
            DeploymentLine => ("dline", None),
            Back => ("back", None),
            RemoveCard => ("rmcard", None),
            RemoveCardYes => ("rmyes", None),
            RemoveCardNo => ("rmno", None),
            PaySuggested => ("paylast", None),
            BuyAgainFrom => ("againof", None),
            AgainYes => ("againyes", None),
            AgainLeaveOut => ("againpart", None),
            AgainNo => ("againno", None),
            StartOver => ("over", None),
            StartOverYes => ("overyes", None),
            StartOverNo => ("overno", None),
            SignInEmail => ("signin", None),
            SignInCode => ("code", None),
        }
    }

    fn from_parts(name: &str, n: Option<u32>) -> Option<Verb> {
        use Verb::*;
        let verb = match (name, n) {
            ("shop", None) => Shop,
            ("sec", None) => Section,
            ("cat", None) => Category,
            ("pick", None) => Pick,
            ("page", Some(n)) => Page(n),
            ("dec", None) => Dec,
            ("inc", None) => Inc,
            ("qty", None) => Quantity,
            ("add", None) => Add,
            ("store", None) => Store,
            ("ans", None) => Answer,
            ("wback", None) => WizardBack,
            ("cart", None) => Cart,
            ("cpage", Some(n)) => CartPage(n),
            ("line", None) => EditLine,
            ("ldec", Some(n)) => LineDec(n),
            ("linc", Some(n)) => LineInc(n),
            ("lqty", Some(n)) => LineQuantity(n),
            ("lrm", Some(n)) => LineRemove(n),
            ("empty", None) => Empty,
            ("emptyok", None) => EmptyConfirmed,
            ("checkout", None) => Checkout,
            ("help", None) => Help,
            ("resume", None) => Resume,
            ("cancel", None) => Cancel,
            ("dsearch", None) => DeploymentSearch,
            ("dchoose", None) => ChooseDeployment,
            ("dall", None) => ApplyToAll,
            ("dnext", None) => NextLine,
            ("dyes", None) => ConfirmDeployment,
            ("oall", None) => OrgForAll,
            ("oline", None) => OrgLine,
            ("oset", None) => OrgForLine,
            ("osearch", None) => OrgSearch,
            ("odone", None) => OrgsDone,
            ("country", None) => Country,
            ("addr", None) => Address,
            ("rate", None) => Rate,
            ("sdone", None) => ShippingDone,
            ("pay", None) => PayWith,
            ("poyes", None) => PoYes,
            ("pono", None) => PoNo,
            ("po", None) => PoNumber,
            ("agree", None) => Agree,
            ("edit", Some(n)) => Edit(n),
            ("process", None) => Process,
            ("orders", None) => Orders,
            ("quotes", None) => Quotes,
            ("order", None) => ViewOrder,
            ("again", None) => BuyAgain,
            ("convert", None) => Convert,
            ("scyes", None) => ShortcutYes,
            ("scno", None) => ShortcutNo,
            ("dline", None) => DeploymentLine,
            ("back", None) => Back,
            ("rmcard", None) => RemoveCard,
            ("rmyes", None) => RemoveCardYes,
            ("rmno", None) => RemoveCardNo,
            ("paylast", None) => PaySuggested,
            ("againof", None) => BuyAgainFrom,
            ("againyes", None) => AgainYes,
            ("againpart", None) => AgainLeaveOut,
            ("againno", None) => AgainNo,
            ("over", None) => StartOver,
            ("overyes", None) => StartOverYes,
            ("overno", None) => StartOverNo,
            ("signin", None) => SignInEmail,
            ("code", None) => SignInCode,
            _ => return None,
        };
        Some(verb)
    }

    pub fn at(self, rev: u64) -> String {
        ActionId { rev, verb: self }.to_string()
    }
}

impl fmt::Display for ActionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.verb.parts() {
            (name, None) => write!(f, "{}:{name}", self.rev),
            (name, Some(n)) => write!(f, "{}:{name}:{n}", self.rev),
        }
    }
}

/// Plain ASCII digits only: no sign, no spaces, no leading zeros that would give one
/// number two spellings.
fn number<T: std::str::FromStr>(s: &str) -> Option<T> {
    let canonical = s == "0" || (!s.starts_with('0') && !s.is_empty());
    if canonical && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

impl ActionId {
    pub fn decode(raw: &str) -> Option<ActionId> {
        if raw.len() > MAX_ID_LEN {
            return None;
        }
        let mut parts = raw.split(':');
        let rev = number::<u64>(parts.next()?)?;
        let name = parts.next()?;
        let n = match parts.next() {
            Some(n) => Some(number::<u32>(n)?),
            None => None,
        };
        if parts.next().is_some() {
            return None;
        }
        let verb = Verb::from_parts(name, n)?;
        Some(ActionId { rev, verb })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_verb_round_trips() {
        use Verb::*;
        let verbs = [
            DeploymentSearch,
            ChooseDeployment,
            ApplyToAll,
            NextLine,
            ConfirmDeployment,
            OrgForAll,
            OrgLine,
            OrgForLine,
            OrgSearch,
            OrgsDone,
            Country,
            Address,
            Rate,
            ShippingDone,
            PayWith,
            PoYes,
            PoNo,
            PoNumber,
            Agree,
            Edit(4),
            Process,
            Orders,
            Quotes,
            ViewOrder,
            BuyAgain,
            Convert,
            ShortcutYes,
            ShortcutNo,
            DeploymentLine,
            Back,
            RemoveCard,
            RemoveCardYes,
            RemoveCardNo,
            PaySuggested,
            BuyAgainFrom,
            AgainYes,
            AgainLeaveOut,
            AgainNo,
            StartOver,
            StartOverYes,
            StartOverNo,
            SignInEmail,
            SignInCode,
            Shop,
            Section,
            Category,
            Pick,
            Page(3),
            Dec,
            Inc,
            Quantity,
            Add,
            Store,
            Answer,
            WizardBack,
            Cart,
            CartPage(1),
            EditLine,
            LineDec(7),
            LineInc(7),
            LineQuantity(7),
            LineRemove(7),
            Empty,
            EmptyConfirmed,
            Checkout,
            Help,
            Resume,
            Cancel,
        ];
        for verb in verbs {
            let id = ActionId {
                rev: u64::MAX,
                verb,
            };
            let text = id.to_string();
            assert!(text.len() <= MAX_ID_LEN);
            assert_eq!(ActionId::decode(&text), Some(id), "{text}");
        }
    }

    #[test]
    fn anything_off_is_refused() {
        for bad in [
            "",
            "add",
            ":add",
            "1",
            "1:",
            "1:add:",
            "1:add:2",
            "1:ldec",
            "1:ldec:x",
            "x:add",
            "-1:add",
            "+1:add",
            "01:add",
            "1:ADD",
            "1:add:1:2",
            "1 :add",
            "1:ldec:-3",
            "1:ldec:99999999999",
            "99999999999999999999999:add",
        ] {
            assert_eq!(ActionId::decode(bad), None, "{bad:?}");
        }
        assert_eq!(ActionId::decode(&"1".repeat(101)), None);
    }
}
