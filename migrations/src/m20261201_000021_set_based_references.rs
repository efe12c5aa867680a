//! PostgreSQL: the references of the tables that bulk writes fill are checked per statement
//! instead of per row.
//!
//! A foreign key on PostgreSQL runs one lookup (and one row lock on the referenced row) per
//! inserted row: for an adopted training plan's 342,189 plan items, its two keys took 2.7 s of
//! the insert's 4.2 s; for an import's competency records, half of the insert. Here each of
//! those keys becomes triggers that check the same rule set-based: after an `INSERT` statement,
//! one anti-join of the inserted rows (a transition table) against the referenced table; after a
//! referenced row is deleted, one join of the deleted keys against the referencing table; and a
//! row trigger for the rare update that changes a referencing column or a referenced key. The
//! error is PostgreSQL's `foreign_key_violation` (23503), as before.
//!
//! What the triggers do not do is the key's row lock, which guards against a delete of the
//! referenced row by a concurrent transaction between the check and the commit. Nothing in
//! Jenjang deletes an employee, a competency, a program, a development plan, an evaluation or an
//! indicator, nor changes their keys, so the guard is kept for the statement that would.
//!
//! SQLite keeps its foreign keys: it checks them in process, by index, at no comparable cost.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000021_set_based_references"
    }
}

/// A reference: `child.column` names a row of `parent.key`; `actions` are the foreign key's
/// own clauses, for `down`.
struct Reference {
    constraint: &'static str,
    child: &'static str,
    column: &'static str,
    parent: &'static str,
    key: &'static str,
    actions: &'static str,
}

const REFERENCES: &[Reference] = &[
    Reference {
        constraint: "fk_competency_records_nip",
        child: "competency_records",
        column: "nip",
        parent: "employees",
        key: "nip",
        actions: "ON UPDATE RESTRICT ON DELETE RESTRICT",
    },
    Reference {
        constraint: "fk_competency_records_competency_code",
        child: "competency_records",
        column: "competency_code",
        parent: "competencies",
        key: "code",
        actions: "ON UPDATE RESTRICT ON DELETE RESTRICT",
    },
    Reference {
        constraint: "fk_current_levels_nip",
        child: "current_competency_levels",
        column: "nip",
        parent: "employees",
        key: "nip",
        actions: "",
    },
    Reference {
        constraint: "fk_evaluations_nip",
        child: "evaluations",
        column: "nip",
        parent: "employees",
        key: "nip",
        actions: "",
    },
    Reference {
        constraint: "fk_evaluation_history_evaluation",
        child: "evaluation_history",
        column: "evaluation_id",
        parent: "evaluations",
        key: "id",
        actions: "",
    },
    Reference {
        constraint: "fk_development_plans_nip",
        child: "development_plans",
        column: "nip",
        parent: "employees",
        key: "nip",
        actions: "",
    },
    Reference {
        constraint: "fk_plan_items_plan",
        child: "plan_items",
        column: "plan_id",
        parent: "development_plans",
        key: "id",
        actions: "",
    },
    Reference {
        constraint: "fk_plan_items_program",
        child: "plan_items",
        column: "program_code",
        parent: "programs",
        key: "code",
        actions: "",
    },
    Reference {
        constraint: "fk_indicator_realisations_indicator",
        child: "indicator_realisations",
        column: "indicator_id",
        parent: "indicators",
        key: "id",
        actions: "",
    },
];

/// The four checks, each given (child column, parent table, parent key) or (parent key, child
/// table, child column) as trigger arguments.
const FUNCTIONS: &str = r#"
CREATE FUNCTION jenjang_references_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  missing text;
BEGIN
  EXECUTE format(
    'SELECT n.%1$I::text FROM inserted n WHERE n.%1$I IS NOT NULL '
    'AND NOT EXISTS (SELECT 1 FROM %2$I p WHERE p.%3$I = n.%1$I) LIMIT 1',
    TG_ARGV[0], TG_ARGV[1], TG_ARGV[2]) INTO missing;
  IF missing IS NOT NULL THEN
    RAISE foreign_key_violation USING MESSAGE = format(
      'insert on table "%s" violates its reference to "%s": key (%s)=(%s) is not present',
      TG_TABLE_NAME, TG_ARGV[1], TG_ARGV[0], missing);
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION jenjang_reference_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  present boolean;
BEGIN
  EXECUTE format('SELECT ($1).%1$I IS NULL OR EXISTS (SELECT 1 FROM %2$I p WHERE p.%3$I = ($1).%1$I)',
    TG_ARGV[0], TG_ARGV[1], TG_ARGV[2]) INTO present USING NEW;
  IF NOT present THEN
    RAISE foreign_key_violation USING MESSAGE = format(
      'update on table "%s" violates its reference to "%s" by column %s',
      TG_TABLE_NAME, TG_ARGV[1], TG_ARGV[0]);
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION jenjang_referenced_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  held text;
BEGIN
  EXECUTE format(
    'SELECT d.%1$I::text FROM deleted d WHERE EXISTS (SELECT 1 FROM %2$I c WHERE c.%3$I = d.%1$I) '
    'AND NOT EXISTS (SELECT 1 FROM %4$I p WHERE p.%1$I = d.%1$I) LIMIT 1',
    TG_ARGV[0], TG_ARGV[1], TG_ARGV[2], TG_TABLE_NAME) INTO held;
  IF held IS NOT NULL THEN
    RAISE foreign_key_violation USING MESSAGE = format(
      'delete on table "%s" violates the reference of "%s": key (%s)=(%s) is still referenced',
      TG_TABLE_NAME, TG_ARGV[1], TG_ARGV[0], held);
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION jenjang_referenced_key_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  held boolean;
BEGIN
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %2$I c WHERE c.%3$I = ($1).%1$I)',
    TG_ARGV[0], TG_ARGV[1], TG_ARGV[2]) INTO held USING OLD;
  IF held THEN
    RAISE foreign_key_violation USING MESSAGE = format(
      'update on table "%s" violates the reference of "%s": key %s is still referenced',
      TG_TABLE_NAME, TG_ARGV[1], TG_ARGV[0]);
  END IF;
  RETURN NULL;
END $$;
"#;

fn triggers(r: &Reference) -> String {
    let Reference {
        constraint: name,
        child,
        column,
        parent,
        key,
        ..
    } = r;
    format!(
        "ALTER TABLE {child} DROP CONSTRAINT {name};
CREATE TRIGGER {name}_inserted AFTER INSERT ON {child} REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION jenjang_references_inserted('{column}', '{parent}', '{key}');
CREATE TRIGGER {name}_updated AFTER UPDATE OF {column} ON {child}
  FOR EACH ROW WHEN (OLD.{column} IS DISTINCT FROM NEW.{column})
  EXECUTE FUNCTION jenjang_reference_updated('{column}', '{parent}', '{key}');
CREATE TRIGGER {name}_deleted AFTER DELETE ON {parent} REFERENCING OLD TABLE AS deleted
  FOR EACH STATEMENT EXECUTE FUNCTION jenjang_referenced_deleted('{key}', '{child}', '{column}');
CREATE TRIGGER {name}_key AFTER UPDATE OF {key} ON {parent}
  FOR EACH ROW WHEN (OLD.{key} IS DISTINCT FROM NEW.{key})
  EXECUTE FUNCTION jenjang_referenced_key_changed('{key}', '{child}', '{column}');
"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let mut sql = FUNCTIONS.to_string();
        for r in REFERENCES {
            sql.push_str(&triggers(r));
        }
        m.get_connection().execute_unprepared(&sql).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let mut sql = String::new();
        for r in REFERENCES {
            let Reference {
                constraint: name,
                child,
                column,
                parent,
                key,
                actions,
            } = r;
            sql.push_str(&format!(
                "DROP TRIGGER {name}_inserted ON {child};
DROP TRIGGER {name}_updated ON {child};
DROP TRIGGER {name}_deleted ON {parent};
DROP TRIGGER {name}_key ON {parent};
ALTER TABLE {child} ADD CONSTRAINT {name} FOREIGN KEY ({column}) REFERENCES {parent} ({key}) {actions};
"
            ));
        }
        sql.push_str(
            "DROP FUNCTION jenjang_references_inserted();
DROP FUNCTION jenjang_reference_updated();
DROP FUNCTION jenjang_referenced_deleted();
DROP FUNCTION jenjang_referenced_key_changed();
",
        );
        m.get_connection().execute_unprepared(&sql).await?;
        Ok(())
    }
}
