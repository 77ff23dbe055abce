//! Action ids: what a button, select or form stands for, with the session revision it
//! was rendered at.
//!
//! The text form is `REV:VERB` or `REV:VERB:N`, at most 100 characters (the
//! strictest platform's limit on an action id). Ids come back in payloads, so they are untrusted: decoding is
//! strict and anything that does not fit exactly is refused.

use std::fmt;

/// The longest action id any platform accepts from us.
pub(crate) const MAX_ID_LEN: usize = 100;

/// Declares the verbs once: each variant with its code in action ids. The enum, the
/// encoding (`parts`), the decoding (`from_parts`) and the tests' list of every verb all
/// come from this one table, so a verb cannot be added to one and missed in another.
macro_rules! verbs {
    ( $( $(#[$doc:meta])* $name:ident $( ( $n:ident ) )? = $code:literal, )* ) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Verb {
            $( $(#[$doc])* $name $( ( verbs!(@number $n) ) )?, )*
        }

        impl Verb {
            /// Every code, in table order, for tests.
            #[cfg(test)]
            const CODES: &'static [&'static str] = &[ $( $code, )* ];

            /// One of each verb (numbered ones with 7), for tests.
            #[cfg(test)]
            const EXAMPLES: &'static [Verb] = &[ $( Verb::$name $( ( verbs!(@seven $n) ) )?, )* ];

            fn parts(self) -> (&'static str, Option<u32>) {
                match self {
                    $( Verb::$name $( ( $n ) )? => ($code, verbs!(@some $( $n )?)), )*
                }
            }

            fn from_parts(name: &str, n: Option<u32>) -> Option<Verb> {
                match name {
                    $( $code => verbs!(@build $name, n $(, $n)?), )*
                    _ => None,
                }
            }
        }
    };
    (@number $n:ident) => { u32 };
    (@seven $n:ident) => { 7 };
    (@some) => { None };
    (@some $n:ident) => { Some($n) };
    (@build $name:ident, $arg:ident) => {
        match $arg {
            None => Some(Verb::$name),
            Some(_) => None,
        }
    };
    (@build $name:ident, $arg:ident, $n:ident) => { $arg.map(Verb::$name) };
}

verbs! {
    /// Open the store where the user was browsing.
    Shop = "shop",
    /// Select: a section id.
    Section = "sec",
    /// Select: a category id.
    Category = "cat",
    /// Select: `p:SKU` or `f:FAMILY` from a category listing.
    Pick = "pick",
    /// Show page N of the category listing.
    Page(n) = "page",
    Dec = "dec",
    Inc = "inc",
    /// Form: the quantity field.
    Quantity = "qty",
    Add = "add",
    /// Back from a product or wizard to the category listing.
    Browse = "store",
    /// Select: the answer to the wizard's current question.
    Answer = "ans",
    /// Back one wizard question.
    WizardBack = "wback",
    Cart = "cart",
    CartPage(n) = "cpage",
    /// Select: a cart line id to change.
    EditLine = "line",
    LineDec(n) = "ldec",
    LineInc(n) = "linc",
    LineQuantity(n) = "lqty",
    LineRemove(n) = "lrm",
    Empty = "empty",
    EmptyConfirmed = "emptyok",
    Checkout = "checkout",
    Help = "help",
    /// Back from help to where the user was.
    Resume = "resume",
    Cancel = "cancel",
    /// Form: a deployment search (`query`).
    DeploymentSearch = "dsearch",
    /// Select: a deployment id for the current line.
    ChooseDeployment = "dchoose",
    ApplyToAll = "dall",
    /// On to the next deployment line, or the next step.
    NextLine = "dnext",
    /// Yes, this deployment, look-alikes and all.
    ConfirmDeployment = "dyes",
    /// Select: an organization for every organization-specific line.
    OrgForAll = "oall",
    /// Select: a line whose organization to change.
    OrgLine = "oline",
    /// Select: an organization for the line being changed.
    OrgForLine = "oset",
    /// Form: filter organizations (`query`).
    OrgSearch = "osearch",
    OrgsDone = "odone",
    /// Select: the shipping country.
    Country = "country",
    /// Form: the address fields.
    Address = "addr",
    /// Select: a shipping rate id.
    Rate = "rate",
    ShippingDone = "sdone",
    /// Select: a payment method.
    PayWith = "pay",
    PoYes = "poyes",
    PoNo = "pono",
    /// Form: the PO number (`po`).
    PoNumber = "po",
    Agree = "agree",
    /// Edit one part from the summary (see `steps::checkout::Part`).
    Edit(n) = "edit",
    Process = "process",
    Orders = "orders",
    Quotes = "quotes",
    /// Select: an order number.
    ViewOrder = "order",
    BuyAgain = "again",
    Convert = "convert",
    ShortcutYes = "scyes",
    ShortcutNo = "scno",
    /// Which of the products that fit a proposed line is meant (its index).
    Which(n) = "which",
    /// "No, keep it" at "Empty your cart?".
    EmptyKept = "emptyno",
    /// Select: which deployment line to choose for.
    DeploymentLine = "dline",
    /// Back one checkout step.
    Back = "back",
    /// Select: a saved card to remove.
    RemoveCard = "rmcard",
    RemoveCardYes = "rmyes",
    RemoveCardNo = "rmno",
    /// Select: an order to buy again, from the list.
    BuyAgainFrom = "againof",
    /// Buy again, licenses a deployment already has included.
    AgainYes = "againyes",
    /// Buy again without the licenses a deployment already has.
    AgainLeaveOut = "againpart",
    AgainNo = "againno",
    /// Continue with the pre-selected payment method.
    PaySuggested = "paylast",
    /// From the cart: clear the kept checkout answers (asks first).
    StartOver = "over",
    StartOverYes = "overyes",
    StartOverNo = "overno",
    /// Form: the address to email a sign-in code to (`email`). Answered by sign-in,
    /// before the engine: only a person who is not signed in is shown it.
    SignInEmail = "signin",
    /// Form: the emailed sign-in code (`code`), answered by sign-in like `SignInEmail`.
    SignInCode = "code",
    /// The shown order's document, when it has one.
    Document = "doc",
    /// Select: which of the shown order's documents (`Kind::id`).
    DocumentKind = "dockind",
    /// Select: an order from the list, for its newest document.
    DocumentOf = "docof",
}

/// What kind of control a verb is rendered as, and so what input it may come with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A click, with nothing else.
    Button,
    /// Chosen values.
    Select,
    /// Form fields.
    Form,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ActionId {
    pub(crate) rev: u64,
    pub(crate) verb: Verb,
}

impl Verb {
    /// Whether a typed "yes" means this verb where it is shown: a confirmation.
    pub(crate) fn is_yes(self) -> bool {
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
    pub(crate) fn is_no(self) -> bool {
        matches!(
            self,
            Verb::PoNo
                | Verb::ShortcutNo
                | Verb::RemoveCardNo
                | Verb::StartOverNo
                | Verb::AgainNo
                | Verb::EmptyKept
        )
    }

    /// The control this verb is rendered as. A payload whose shape differs (a select
    /// submitted on a button's id) is forged and refused.
    pub(crate) fn shape(self) -> Shape {
        use Verb::*;
        match self {
            Section | Category | Pick | Answer | EditLine | ChooseDeployment | DeploymentLine
            | OrgForAll | OrgLine | OrgForLine | Country | Rate | PayWith | ViewOrder
            | RemoveCard | BuyAgainFrom | DocumentKind | DocumentOf => Shape::Select,
            Quantity | LineQuantity(_) | DeploymentSearch | OrgSearch | Address | PoNumber
            | SignInEmail | SignInCode => Shape::Form,
            _ => Shape::Button,
        }
    }

    pub(crate) fn at(self, rev: u64) -> String {
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
    pub(crate) fn decode(raw: &str) -> Option<ActionId> {
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
        let verbs = Verb::EXAMPLES;
        assert!(verbs.len() > 60, "every verb of the table");
        for &verb in verbs {
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
    fn codes_are_distinct() {
        let mut codes = Verb::CODES.to_vec();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Verb::CODES.len(), "two verbs share a code");
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
