//! sea-orm entity definitions, one module per table; the queries that use them live apart.

pub mod audit;
pub mod competency;
pub mod competency_level;
pub mod competency_prerequisite;
pub mod competency_record;
pub mod employee;
pub mod org_need;
pub mod position;
pub mod position_requirement;
pub mod program;
pub mod program_develop;
pub mod program_require;
pub mod unit;
pub mod user;
