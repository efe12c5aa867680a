//! The JSON API, one module per resource; each owns its routes.

pub mod analysis;
pub mod audit;
pub mod campaigns;
pub mod dialog;
pub mod employees;
pub mod fit;
pub mod indicators;
pub mod notifications;
pub mod ops;
pub mod org_needs;
pub mod performance;
pub mod plans;
pub mod reference;
pub mod settings;
pub mod skp;
pub mod training;
pub mod users;
pub mod workflows;
