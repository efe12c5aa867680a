//! sea-orm entity definitions, one module per table; the queries that use them live apart.

pub mod unit;
pub mod competency;
pub mod competency_level;
pub mod competency_prerequisite;
pub mod program;
pub mod program_develop;
pub mod program_require;
pub mod position;
pub mod position_requirement;
pub mod employee;
pub mod competency_record;
pub mod user;
pub mod audit;
