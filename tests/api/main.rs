//! End-to-end tests: the real router over real HTTP on a real database (SQLite by default,
//! PostgreSQL when JENJANG_TEST_DATABASE_URL is set). One binary, modules by capability.

mod accounts;
mod analysis;
mod auth;
mod browser;
mod campaigns;
mod cli;
mod dialog;
mod fit;
mod hardening;
mod helpers;
mod imports;
mod indicators;
mod mail;
mod ops;
mod performance;
mod plans;
mod reference;
mod roles;
mod seeding;
mod skp;
mod sso;
mod survey;
mod training;
mod training_outcomes;
mod ui;
mod ui_admin;
mod workflows;
