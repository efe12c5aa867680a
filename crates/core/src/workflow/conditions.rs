//! Conditions in CEL over `event`, `trigger` and `subject`: compiled once when a definition is
//! read, evaluated against an instance's context; a condition that cannot be judged is an error,
//! never a silent false.

#[allow(unused_imports)]
use super::*;

pub(super) fn compile(source: &str, at: &str, errors: &mut Vec<FieldError>) -> Option<Condition> {
    match cel::Program::compile(source) {
        Ok(p) => {
            let refs = p.references();
            let unknown: Vec<&str> = refs
                .variables()
                .into_iter()
                .filter(|v| !CONTEXT_VARIABLES.contains(v))
                .collect();
            if unknown.is_empty() {
                let reads = [
                    refs.has_variable("event"),
                    refs.has_variable("trigger"),
                    refs.has_variable("subject"),
                ];
                drop(refs);
                Some(Condition { program: p, reads })
            } else {
                errors.push(FieldError::new(
                    at,
                    format!(
                        "unknown variable {}; conditions see {}",
                        unknown.join(", "),
                        CONTEXT_VARIABLES.join(", ")
                    ),
                ));
                None
            }
        }
        Err(e) => {
            errors.push(FieldError::new(
                at,
                format!("not a valid CEL expression: {}", first_line(&e.to_string())),
            ));
            None
        }
    }
}

pub(super) fn evaluate(
    condition: &Condition,
    ctx: &Context,
    at: &str,
) -> Result<bool, ConditionError> {
    CEL_ROOT.with(|root| evaluate_in(root, condition, ctx, at))
}

pub(super) fn evaluate_in(
    root: &cel::Context<'static, 'static>,
    condition: &Condition,
    ctx: &Context,
    at: &str,
) -> Result<bool, ConditionError> {
    let mut c = root.new_inner_scope();
    let err = |m: String| ConditionError {
        at: at.to_string(),
        message: m,
    };
    for (i, (name, value)) in [
        ("event", &ctx.event),
        ("trigger", &ctx.trigger),
        ("subject", &ctx.subject),
    ]
    .into_iter()
    .enumerate()
    {
        if condition.reads[i] {
            c.add_variable(name, value)
                .map_err(|e| err(e.to_string()))?;
        }
    }
    match condition.program.execute(&c) {
        Ok(cel::Value::Bool(b)) => Ok(b),
        Ok(other) => Err(err(format!(
            "the condition gave {other:?}, not true or false"
        ))),
        Err(e) => Err(err(e.to_string())),
    }
}
