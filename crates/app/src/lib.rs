//! jenjang-app: the use cases of Jenjang, one typed function each. A use case loads through the
//! store, decides with core and writes through the store (in one transaction, with its events).
//! HTTP handlers, UI pages, the command line, seeding and the bench call these; none restates
//! them. No HTTP here (status codes, cookies, extractors belong to the web crate).
#![forbid(unsafe_code)]

pub mod accounts;
pub mod analysis;
pub mod analytics;
pub mod audit;
pub mod campaigns;
pub mod context;
pub mod dialog;
pub mod error;
pub mod evaluations;
pub mod fields;
pub mod fit;
pub mod ikm;
pub mod imports;
pub mod indicators;
pub mod mail;
pub mod notifications;
pub mod org_needs;
pub mod passwords;
pub mod plans;
pub mod reference;
pub mod settings;
pub mod skp;
pub mod survey;
pub mod talent;
pub mod tasks;
pub mod training;
pub mod workflows;

pub use analytics::Analytics;
pub use context::Context;
pub use error::{AppError, AppResult};
