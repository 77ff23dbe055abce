//! Approval chains: an organization's ordered steps, each with the orders it applies to,
//! who decides it and whether one or all of them must; and the steps an order's
//! approval is made of once placed. Rules only; the store keeps them and the approvals
//! service runs them.

use rust_decimal::Decimal;
use serde::Deserialize;

use super::account::Role;
use super::approval::Why;
use super::money::Money;

/// Whether one of a step's approvers decides it, or every one must approve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Any,
    All,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Any => "any",
            Rule::All => "all",
        }
    }

    pub fn parse(s: &str) -> Option<Rule> {
        match s {
            "any" => Some(Rule::Any),
            "all" => Some(Rule::All),
            _ => None,
        }
    }
}

/// Who decides a step: named accounts, or everyone with a role in the organization
/// (`approver` counts its admins too: they outrank approvers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approvers {
    People(Vec<String>),
    Role(Role),
}

impl Approvers {
    /// Whether an account with `role` in the organization (if any) and id `account`
    /// is one of them.
    pub fn include(&self, account: &str, role: Option<Role>) -> bool {
        match self {
            Approvers::People(ids) => ids.iter().any(|a| a == account),
            Approvers::Role(Role::Admin) => role == Some(Role::Admin),
            Approvers::Role(_) => matches!(role, Some(Role::Approver | Role::Admin)),
        }
    }
}

/// Which orders a step applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applies {
    Always,
    /// Orders whose total is above the amount.
    Above(Decimal),
    /// Orders that carry a PO number.
    Po,
}

impl Applies {
    pub fn to(&self, total: &Money, po_number: Option<&str>) -> bool {
        match self {
            Applies::Always => true,
            Applies::Above(limit) => total.amount > *limit,
            Applies::Po => po_number.is_some_and(|p| !p.trim().is_empty()),
        }
    }
}

/// One step of an organization's chain, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRule {
    pub name: String,
    pub applies: Applies,
    pub approvers: Approvers,
    pub rule: Rule,
}

/// An organization's chain: its steps in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chain {
    pub steps: Vec<StepRule>,
}

/// Why an order's step is there, kept with it so approvers read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepWhy {
    /// The organization's one-step policy (`set-approval`).
    Policy(Why),
    /// A chain step for every order.
    Always,
    Above(Decimal),
    Po,
    /// The order takes the organization over its budget for the period.
    OverBudget,
}

impl StepWhy {
    pub(crate) fn as_stored(&self) -> String {
        match self {
            StepWhy::Policy(why) => why.as_stored(),
            StepWhy::Always => "always".into(),
            StepWhy::Above(a) => format!("above:{a}"),
            StepWhy::Po => "chain_po".into(),
            StepWhy::OverBudget => "budget".into(),
        }
    }

    pub(crate) fn from_stored(s: &str) -> Option<StepWhy> {
        match s {
            "always" => Some(StepWhy::Always),
            "chain_po" => Some(StepWhy::Po),
            "budget" => Some(StepWhy::OverBudget),
            _ => match s.split_once(':') {
                Some(("above", a)) => a.parse().ok().map(StepWhy::Above),
                _ => Why::from_stored(s).map(StepWhy::Policy),
            },
        }
    }
}

/// A step an order's approval is to go through, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepPlan {
    pub name: String,
    pub approvers: Approvers,
    pub rule: Rule,
    pub why: StepWhy,
}

/// What an organization's approval of an order is made of: why it is needed and its steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub org: String,
    pub why: Why,
    pub steps: Vec<StepPlan>,
}

impl Wanted {
    /// The one step of an organization without a chain: any of its approvers or admins.
    pub fn one_step(org: &str, why: Why) -> Wanted {
        Wanted {
            org: org.to_string(),
            steps: vec![StepPlan {
                name: String::new(),
                approvers: Approvers::Role(Role::Approver),
                rule: Rule::Any,
                why: StepWhy::Policy(why.clone()),
            }],
            why,
        }
    }
}

impl From<(String, Why)> for Wanted {
    fn from((org, why): (String, Why)) -> Self {
        Wanted::one_step(&org, why)
    }
}

impl Chain {
    /// The steps that apply to an order with this total and PO number, in order.
    pub fn plan(&self, total: &Money, po_number: Option<&str>) -> Vec<StepPlan> {
        self.steps
            .iter()
            .filter(|s| s.applies.to(total, po_number))
            .map(|s| StepPlan {
                name: s.name.clone(),
                approvers: s.approvers.clone(),
                rule: s.rule,
                why: match &s.applies {
                    Applies::Always => StepWhy::Always,
                    Applies::Above(a) => StepWhy::Above(*a),
                    Applies::Po => StepWhy::Po,
                },
            })
            .collect()
    }
}

/// The step added when an order would go over budget: any of the organization's admins.
pub fn over_budget_step(name: &str) -> StepPlan {
    StepPlan {
        name: name.to_string(),
        approvers: Approvers::Role(Role::Admin),
        rule: Rule::Any,
        why: StepWhy::OverBudget,
    }
}

/// Where a step of an order's approval stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStatus {
    /// A step before it has not been approved yet.
    Waiting,
    Pending,
    Approved,
    Rejected,
    Expired,
}

impl StepStatus {
    pub(crate) const ALL: [StepStatus; 5] = [
        StepStatus::Waiting,
        StepStatus::Pending,
        StepStatus::Approved,
        StepStatus::Rejected,
        StepStatus::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Waiting => "waiting",
            StepStatus::Pending => "pending",
            StepStatus::Approved => "approved",
            StepStatus::Rejected => "rejected",
            StepStatus::Expired => "expired",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<StepStatus> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// One approver's approval at an `all` step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vote {
    /// The approver whose vote it is.
    pub voter: String,
    /// Who clicked: the approver, or their delegate.
    pub actor: String,
    pub at: i64,
}

/// One step of an order's approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub approval_id: String,
    /// From 1.
    pub position: i64,
    pub name: String,
    pub approvers: Approvers,
    pub rule: Rule,
    pub why: Option<StepWhy>,
    pub status: StepStatus,
    /// When it became the step being decided.
    pub opened_at: Option<i64>,
    pub reminded_at: Option<i64>,
    /// When the organization's admins were asked as well.
    pub escalated_at: Option<i64>,
    pub decided_at: Option<i64>,
    pub decided_by: Option<String>,
    pub on_behalf_of: Option<String>,
    pub reason: Option<String>,
    pub votes: Vec<Vote>,
}

/// A chain file as operators write it: one `[[step]]` table per step.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChainFile {
    #[serde(default)]
    step: Vec<StepFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepFile {
    name: String,
    above: Option<toml::Value>,
    #[serde(default)]
    po: bool,
    approvers: Option<Vec<String>>,
    role: Option<String>,
    rule: Option<String>,
}

/// A chain as read from its file: named approvers are still as written (an account id,
/// or `platform:user`, or `platform:workspace:user`), for the caller to resolve.
pub type ChainDraft = Vec<(StepRule, Option<Vec<String>>)>;

/// The longest chain; more steps than this is a typo, not a policy.
pub const MAX_STEPS: usize = 10;

/// Reads a chain file. Every problem names the step and what to write instead.
pub fn parse_chain(text: &str) -> Result<ChainDraft, String> {
    let file: ChainFile = toml::from_str(text).map_err(|e| e.message().to_string())?;
    if file.step.is_empty() {
        return Err("the file has no [[step]] tables: give at least one step".into());
    }
    if file.step.len() > MAX_STEPS {
        return Err(format!("a chain has at most {MAX_STEPS} steps"));
    }
    let mut out = Vec::new();
    for (i, s) in file.step.into_iter().enumerate() {
        let n = i + 1;
        let name = s.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 60 {
            return Err(format!("step {n}: give a name of 1 to 60 characters"));
        }
        let above = match s.above {
            None => None,
            Some(toml::Value::Integer(i)) if i >= 0 => Some(Decimal::from(i)),
            Some(toml::Value::String(t)) => Some(
                t.trim()
                    .parse::<Decimal>()
                    .ok()
                    .filter(|d| !d.is_sign_negative())
                    .ok_or_else(|| format!("step {n}: above = \"{t}\" is not an amount"))?,
            ),
            Some(other) => {
                return Err(format!(
                    "step {n}: above = {other} is not an amount: write it like 5000 or \"2500.50\""
                ));
            }
        };
        let applies = match (above, s.po) {
            (Some(_), true) => {
                return Err(format!(
                    "step {n}: give `above` or `po = true`, not both (use two steps)"
                ));
            }
            (Some(a), false) => Applies::Above(a),
            (None, true) => Applies::Po,
            (None, false) => Applies::Always,
        };
        let (approvers, named) = match (s.approvers, s.role.as_deref()) {
            (Some(_), Some(_)) => {
                return Err(format!("step {n}: give `approvers` or `role`, not both"));
            }
            (Some(list), None) => {
                if list.is_empty() {
                    return Err(format!("step {n}: `approvers` is empty"));
                }
                (Approvers::People(Vec::new()), Some(list))
            }
            (None, Some("approver")) => (Approvers::Role(Role::Approver), None),
            (None, Some("admin")) => (Approvers::Role(Role::Admin), None),
            (None, Some(other)) => {
                return Err(format!(
                    "step {n}: role = \"{other}\" is not a role that approves: use \"approver\" or \"admin\""
                ));
            }
            (None, None) => {
                return Err(format!(
                    "step {n}: say who decides it: approvers = [\"discord:USER\", …] or role = \"approver\""
                ));
            }
        };
        let rule = match s.rule.as_deref().map(str::trim) {
            None => Rule::Any,
            Some(r) => Rule::parse(r).ok_or_else(|| {
                format!("step {n}: rule = \"{r}\" is not a rule: use \"any\" or \"all\"")
            })?,
        };
        out.push((
            StepRule {
                name,
                applies,
                approvers,
                rule,
            },
            named,
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Currency;

    fn usd(n: i64) -> Money {
        Money::new(Decimal::from(n), Currency::usd())
    }

    const THREE: &str = r#"
        [[step]]
        name = "Team lead"
        role = "approver"

        [[step]]
        name = "Finance"
        above = 5000
        approvers = ["discord:111", "acct_abc"]
        rule = "any"

        [[step]]
        name = "Directors"
        above = "20000.50"
        role = "admin"
        rule = "all"

        [[step]]
        name = "Procurement"
        po = true
        role = "approver"
    "#;

    #[test]
    fn a_chain_file_reads_into_its_steps() {
        let draft = parse_chain(THREE).unwrap();
        assert_eq!(draft.len(), 4);
        assert_eq!(draft[0].0.applies, Applies::Always);
        assert_eq!(draft[0].0.approvers, Approvers::Role(Role::Approver));
        assert_eq!(draft[1].0.applies, Applies::Above(Decimal::from(5000)));
        assert_eq!(
            draft[1].1.as_deref(),
            Some(&["discord:111".to_string(), "acct_abc".to_string()][..])
        );
        assert_eq!(
            draft[2].0.applies,
            Applies::Above("20000.50".parse().unwrap())
        );
        assert_eq!(draft[2].0.rule, Rule::All);
        assert_eq!(draft[3].0.applies, Applies::Po);
    }

    #[test]
    fn a_chain_applies_the_steps_whose_threshold_the_order_meets() {
        let chain = Chain {
            steps: parse_chain(THREE)
                .unwrap()
                .into_iter()
                .map(|(s, _)| s)
                .collect(),
        };
        let names = |total: i64, po: Option<&str>| -> Vec<String> {
            chain
                .plan(&usd(total), po)
                .into_iter()
                .map(|s| s.name)
                .collect()
        };
        assert_eq!(names(100, None), ["Team lead"]);
        assert_eq!(names(5000, None), ["Team lead"], "at the threshold is fine");
        assert_eq!(
            names(5001, Some("PO-1")),
            ["Team lead", "Finance", "Procurement"]
        );
        assert_eq!(
            names(30000, Some(" ")),
            ["Team lead", "Finance", "Directors"]
        );
    }

    #[test]
    fn a_bad_chain_file_says_which_step_and_what_to_write() {
        for (text, says) in [
            ("", "no [[step]]"),
            ("[[step]]\nname = \"A\"\n", "step 1: say who decides"),
            ("[[step]]\nname = \"A\"\nrole = \"buyer\"\n", "not a role"),
            (
                "[[step]]\nname = \"A\"\nrole = \"admin\"\nabove = 5\npo = true\n",
                "not both",
            ),
            (
                "[[step]]\nname = \"A\"\nrole = \"admin\"\nabove = -5\n",
                "not an amount",
            ),
            (
                "[[step]]\nname = \"A\"\nrole = \"admin\"\nrule = \"most\"\n",
                "step 1: rule = \"most\"",
            ),
            ("[[step]]\nname = \" \"\nrole = \"admin\"\n", "give a name"),
            ("[[step]]\nname = \"A\"\napprovers = []\n", "empty"),
            ("[[step]]\nname = \"A\"\nrole = \"admin\"\nwho = 1\n", "who"),
        ] {
            let e = parse_chain(text).unwrap_err();
            assert!(e.contains(says), "{text:?}: {e}");
        }
    }

    #[test]
    fn role_approvers_include_admins_and_admin_steps_only_admins() {
        let approvers = Approvers::Role(Role::Approver);
        assert!(approvers.include("a", Some(Role::Admin)));
        assert!(approvers.include("a", Some(Role::Approver)));
        assert!(!approvers.include("a", Some(Role::Buyer)));
        assert!(!approvers.include("a", None));
        let admins = Approvers::Role(Role::Admin);
        assert!(!admins.include("a", Some(Role::Approver)));
        let named = Approvers::People(vec!["a".into()]);
        assert!(named.include("a", None));
        assert!(!named.include("b", Some(Role::Admin)));
    }

    #[test]
    fn step_reasons_round_trip_through_their_stored_form() {
        for why in [
            StepWhy::Policy(Why::PoNumber),
            StepWhy::Policy(Why::OverLimit(Decimal::from(10))),
            StepWhy::Always,
            StepWhy::Above("12.5".parse().unwrap()),
            StepWhy::Po,
            StepWhy::OverBudget,
        ] {
            assert_eq!(StepWhy::from_stored(&why.as_stored()), Some(why));
        }
    }
}
