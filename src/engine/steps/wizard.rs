//! A configurable family's wizard: one question per step, resolving to one SKU (the
//! seed's PBXact POMPs "3-step wizard").

use super::{Input, Outcome, Turn, choose_one, footer, not_here};
use crate::engine::action::Verb;
use crate::engine::session::{Session, Step};
use crate::engine::view::{Choice, Notice, Style, View};

pub(crate) fn answer(s: &mut Session, t: &Turn<'_>, input: &Input) -> Outcome {
    let Step::Wizard { family, answers } = &mut s.step else {
        return Err(not_here(t));
    };
    let f = t
        .catalog
        .family(family)
        .ok_or_else(|| Notice::error(t.lang.t("store.unknown_item")))?;
    let value = input.one_value().ok_or_else(|| choose_one(t))?;
    if !f.options(answers).contains(&value) {
        return Err(Notice::error(t.lang.t("wizard.unknown_answer")));
    }
    answers.push(value.to_string());
    // The last answer leads to the product; coming back resumes at that question.
    let kept = answers[..answers.len().min(f.questions.len().saturating_sub(1))].to_vec();
    s.browse.wizard.insert(f.id.clone(), kept);
    let Step::Wizard { answers, .. } = &s.step else {
        return Err(not_here(t));
    };
    if answers.len() < f.questions.len() {
        return Ok(None);
    }
    let sku = f
        .resolve(answers)
        .and_then(|sku| t.catalog.product(sku))
        .ok_or_else(|| Notice::error(t.lang.t("wizard.no_variant")))?;
    s.step = Step::Product {
        sku: sku.sku.clone(),
        qty: sku.min_qty,
        family: Some(f.id.clone()),
    };
    Ok(None)
}

/// One question back; from the first question, back to the listing. From the product a
/// wizard led to, back to its last question.
pub(crate) fn back(s: &mut Session, t: &Turn<'_>) -> Outcome {
    match &mut s.step {
        Step::Wizard { family, answers } if !answers.is_empty() => {
            answers.pop();
            s.browse.wizard.insert(family.clone(), answers.clone());
        }
        Step::Wizard { .. } => s.step = Step::Browse,
        Step::Product {
            sku,
            family: Some(family),
            ..
        } => {
            let f = t.catalog.family(family).ok_or_else(|| not_here(t))?;
            let mut answers = f
                .variants
                .iter()
                .find(|v| &v.sku == sku)
                .map(|v| v.choices.clone())
                .unwrap_or_default();
            answers.pop();
            s.step = Step::Wizard {
                family: f.id.clone(),
                answers,
            };
        }
        _ => return Err(not_here(t)),
    }
    Ok(None)
}

pub(crate) fn render(s: &Session, t: &Turn<'_>) -> View {
    let Step::Wizard { family, answers } = &s.step else {
        return super::browse::render(s, t);
    };
    let Some(f) = t.catalog.family(family) else {
        return super::browse::render(s, t);
    };
    let rev = s.rev;
    let n = answers.len().min(f.questions.len().saturating_sub(1));
    let question = f.questions.get(n).map_or("", String::as_str);
    let mut v = View::new("wizard", f.name.clone());
    v.body = format!(
        "{}\n{}",
        f.description,
        t.lang.f(
            "wizard.step",
            &[
                ("n", &(n + 1)),
                ("total", &f.questions.len()),
                ("question", &question)
            ]
        )
    );
    for (q, a) in f.questions.iter().zip(answers) {
        v.field(q.clone(), a.clone());
    }
    let options = f
        .options(answers)
        .into_iter()
        .map(|o| Choice::new(o, o))
        .collect();
    v.select(
        Verb::Answer.at(rev),
        question.to_string(),
        t.lang.t("wizard.answer_placeholder"),
        options,
    );
    v.button(
        Verb::WizardBack.at(rev),
        t.lang.t("common.back"),
        Style::Secondary,
    );
    footer(&mut v, s, t, true);
    v
}
