//! The reply (view) model: a platform-free description of what to show.
//!
//! Each channel turns it into its platform's messages and components, or terminal
//! text, enforcing its own limits. The engine keeps lists within 25 options by paging, the
//! lowest limit of the platforms we serve.

use serde::Serialize;

/// The most options one select carries; longer lists are paged by the engine.
pub(crate) const PAGE_SIZE: usize = 25;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reply {
    /// A document the person asked for, for the platform to hand over.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<Document>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<Notice>,
    pub view: View,
}

/// A document of one of the person's orders, asked for in this event: the platform
/// uploads it where the conversation is, the terminal writes it to a file, and where
/// an upload fails the person gets a private one-time link instead. Its bytes are
/// written from the order when it is handed over, so none travel with the reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Document {
    pub order: String,
    /// `Kind::id`: `quote`, `invoice`, `receipt`, `credit-note-N`.
    pub kind: String,
    /// Such as `INV-CB-100001.pdf`.
    pub file_name: String,
    /// The language it is written in.
    pub locale: String,
}

/// A short line shown above the view: what just happened, or what was wrong.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    pub kind: NoticeKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeKind {
    Info,
    Success,
    Warning,
    Error,
}

impl Notice {
    pub(crate) fn info(text: String) -> Self {
        Notice {
            kind: NoticeKind::Info,
            text,
        }
    }
    pub(crate) fn success(text: String) -> Self {
        Notice {
            kind: NoticeKind::Success,
            text,
        }
    }
    pub(crate) fn warning(text: String) -> Self {
        Notice {
            kind: NoticeKind::Warning,
            text,
        }
    }
    pub(crate) fn error(text: String) -> Self {
        Notice {
            kind: NoticeKind::Error,
            text,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct View {
    /// Which step this is (`store`, `product`, `cart`...): for clients and tests, not users.
    pub step: &'static str,
    pub title: String,
    pub body: String,
    pub fields: Vec<Field>,
    pub actions: Vec<Action>,
    /// What typed text answers here, as a hint ("Type a quantity"); none when typed
    /// text has no meaning on this view.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// Shown only to the user it concerns (an ephemeral message).
    pub private: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    pub label: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    pub id: String,
    pub label: String,
    #[serde(flatten)]
    pub kind: ActionKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Style {
    Primary,
    Secondary,
    Success,
    Danger,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ActionKind {
    Button {
        style: Style,
    },
    Link {
        url: String,
    },
    Select {
        placeholder: String,
        options: Vec<Choice>,
        min: u8,
        max: u8,
    },
    /// Free text that returns ranked suggestions: a native search where the platform has
    /// one (a select fed by suggestions as the user types), else this one-field form (a
    /// modal, a typed line in the terminal), submitted with the field's id.
    Search {
        title: String,
        field: FormField,
    },
    /// A small form (a modal, or field by field in the terminal).
    Form {
        title: String,
        fields: Vec<FormField>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub selected: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormField {
    pub(crate) id: String,
    pub(crate) label: String,
    /// The current answer, so a form reopened after a bad input keeps what was typed.
    pub(crate) value: String,
    pub(crate) placeholder: String,
    pub(crate) required: bool,
    pub(crate) max_len: u16,
}

impl View {
    pub(crate) fn new(step: &'static str, title: String) -> Self {
        View {
            step,
            title,
            body: String::new(),
            fields: Vec::new(),
            actions: Vec::new(),
            input: None,
            private: true,
        }
    }

    pub(crate) fn field(&mut self, label: String, value: String) {
        self.fields.push(Field { label, value });
    }

    pub(crate) fn button(&mut self, id: String, label: String, style: Style) {
        self.actions.push(Action {
            id,
            label,
            kind: ActionKind::Button { style },
        });
    }

    pub(crate) fn select(
        &mut self,
        id: String,
        label: String,
        placeholder: String,
        options: Vec<Choice>,
    ) {
        self.actions.push(Action {
            id,
            label,
            kind: ActionKind::Select {
                placeholder,
                options,
                min: 1,
                max: 1,
            },
        });
    }

    pub(crate) fn form(
        &mut self,
        id: String,
        label: String,
        title: String,
        fields: Vec<FormField>,
    ) {
        self.actions.push(Action {
            id,
            label,
            kind: ActionKind::Form { title, fields },
        });
    }

    pub(crate) fn search(&mut self, id: String, label: String, title: String, field: FormField) {
        self.actions.push(Action {
            id,
            label,
            kind: ActionKind::Search { title, field },
        });
    }

    /// The action with this label: how tests and scripts find what to press.
    pub fn labelled(&self, label: &str) -> Option<&Action> {
        self.actions.iter().find(|a| a.label == label)
    }
}

impl Choice {
    pub(crate) fn new(value: impl Into<String>, label: impl Into<String>) -> Self {
        Choice {
            value: value.into(),
            label: label.into(),
            description: None,
            selected: false,
        }
    }

    pub(crate) fn describe(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    pub(crate) fn selected(mut self, yes: bool) -> Self {
        self.selected = yes;
        self
    }
}

/// One page of a list: the items, and whether there are pages before and after.
pub(crate) fn page<T>(items: &[T], page: u32) -> (&[T], bool, bool) {
    let pages = items.len().div_ceil(PAGE_SIZE).max(1);
    let page = (page as usize).min(pages - 1);
    let start = page * PAGE_SIZE;
    let end = (start + PAGE_SIZE).min(items.len());
    (&items[start..end], page > 0, end < items.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_at_most_25_and_clamped() {
        let items: Vec<u32> = (0..60).collect();
        let (first, prev, next) = page(&items, 0);
        assert_eq!((first.len(), prev, next), (25, false, true));
        let (last, prev, next) = page(&items, 2);
        assert_eq!((last, prev, next), (&items[50..60], true, false));
        let (clamped, _, next) = page(&items, 9);
        assert_eq!((clamped.len(), next), (10, false));
        let (empty, prev, next) = page::<u32>(&[], 0);
        assert_eq!((empty.len(), prev, next), (0, false, false));
    }

    #[test]
    fn actions_serialize_with_kind_and_id() {
        let mut v = View::new("cart", "Cart".into());
        v.button("3:checkout".into(), "Checkout".into(), Style::Primary);
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["actions"][0]["kind"], "button");
        assert_eq!(json["actions"][0]["id"], "3:checkout");
        assert_eq!(json["actions"][0]["style"], "primary");
    }
}
