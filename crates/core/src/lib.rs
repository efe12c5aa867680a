//! jenjang-core: the domain of Jenjang, pure.
//!
//! Types that cannot hold invalid values (`Nip`, `Level`, `Code`), the rules of the regulations
//! (predikat matrix, competency prerequisites, access rules) and the algorithms over them.
//! Nothing here does I/O, async work or talks to a database; everything is unit-tested.
#![forbid(unsafe_code)]

pub mod access;
pub mod accounts;
pub mod adkar;
pub mod catalog;
pub mod clock;
pub mod code;
pub mod dates;
pub mod dialog;
pub mod events;
pub mod fit;
pub mod gap;
pub mod graph;
pub mod idp;
pub mod ikm;
pub mod indicators;
pub mod kinds;
pub mod level;
pub mod needs;
pub mod nip;
pub mod notify;
pub mod org;
pub mod period;
pub mod plan;
pub mod predikat;
pub mod recommend;
pub mod reference;
pub mod skp;
pub mod talent;
pub mod training;
pub mod validation;
pub mod workflow;

pub use code::Code;
pub use level::Level;
pub use nip::Nip;
pub use validation::{ControlCharacter, FieldError, Validator, check_text};
