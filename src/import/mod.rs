//! Importers for the files operators maintain: the catalog and the deployments list.

pub mod catalog;
pub mod deployments;
