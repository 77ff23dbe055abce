//! Deployments: the installed systems that licenses and plans are tied to.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Deployment {
    /// The number customers read off their system, such as `104512`.
    pub id: String,
    pub name: String,
    pub org_id: String,
}
