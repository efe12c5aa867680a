//! jenjang-engine: the durable workflow runtime (event outbox, jobs, timers, workers).
//!
//! Everything that acts on time reads it from one injectable [`Clock`], so tests can move time
//! forward for due dates, escalations and timers without sleeping.
#![forbid(unsafe_code)]

pub mod defaults;
pub mod mail;
pub mod runtime;
pub mod smtp;
pub mod templates;

pub use runtime::Engine;

pub use jenjang_core::clock::{Clock, ManualClock, SystemClock};
