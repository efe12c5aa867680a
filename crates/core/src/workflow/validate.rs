//! Reading and validating a workflow definition: every problem with its location (`steps[2].next`),
//! unknown events and templates, unreachable steps, no end, calendar triggers without a day.

#[allow(unused_imports)]
use super::*;

/// Checks a definition (as JSON) and returns it ready to run, or every problem with its location.
/// `templates` are the notification templates that exist.
pub fn parse_definition(
    raw: &serde_json::Value,
    templates: &[&str],
) -> Result<Definition, Vec<FieldError>> {
    let mut errors = Vec::new();
    let Some(obj) = raw.as_object() else {
        return Err(vec![FieldError::new(
            "",
            "a workflow definition is a JSON object",
        )]);
    };
    for field in obj.keys() {
        if !["key", "title", "description", "trigger", "steps"].contains(&field.as_str()) {
            errors.push(FieldError::new(
                field.clone(),
                "unknown field; a definition has key, title, description, trigger and steps",
            ));
        }
    }
    let text = |field: &str, errors: &mut Vec<FieldError>| -> Option<String> {
        match obj.get(field).and_then(|v| v.as_str()).map(str::trim) {
            Some(s) if !s.is_empty() => Some(s.to_string()),
            _ => {
                errors.push(FieldError::new(field, "required text"));
                None
            }
        }
    };
    let key = text("key", &mut errors);
    if let Some(k) = &key
        && (k.len() > 64
            || !k
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'))
    {
        errors.push(FieldError::new(
            "key",
            "at most 64 characters of a-z, 0-9, '-' and '_'",
        ));
    }
    let title = text("title", &mut errors);
    let description = obj
        .get("description")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let mut compiled = Compiled::default();
    let trigger = match obj.get("trigger") {
        None => {
            errors.push(FieldError::new("trigger", "required: {event, condition?}"));
            None
        }
        Some(t) => match serde_json::from_value::<Trigger>(t.clone()) {
            Err(e) => {
                errors.push(FieldError::new("trigger", e.to_string()));
                None
            }
            Ok(t) => {
                check_event(&t.event, "trigger.event", &mut errors);
                let calendar = CALENDAR_EVENTS.contains(&t.event.as_str());
                match (&t.on, calendar) {
                    (None, true) => errors.push(FieldError::new(
                        "trigger.on",
                        format!("{} is a calendar event: say on which day (MM-DD)", t.event),
                    )),
                    (Some(_), false) => errors.push(FieldError::new(
                        "trigger.on",
                        "only calendar events (jp.yearly_review, dialog.quarterly_review) take a day",
                    )),
                    (Some(day), true) if month_day(day).is_none() => errors.push(FieldError::new(
                        "trigger.on",
                        format!("'{day}' is not a day of the year as MM-DD"),
                    )),
                    (Some(day), true)
                        if crate::events::QUARTERLY_KINDS.contains(&t.event.as_str())
                            && month_day(day).is_some_and(|(m, d)| m > 3 || d > 28) =>
                    {
                        errors.push(FieldError::new(
                            "trigger.on",
                            format!(
                                "{} fires every quarter: '{day}' must be a day of the quarter's first three months up to the 28th (01-05: 5 January, April, July and October)",
                                t.event
                            ),
                        ))
                    }
                    _ => {}
                }
                if let Some(c) = &t.condition {
                    compiled.trigger = compile(c, "trigger.condition", &mut errors);
                }
                Some(t)
            }
        },
    };
    let mut steps = Vec::new();
    match obj.get("steps").and_then(|s| s.as_array()) {
        None => errors.push(FieldError::new("steps", "required: a list of steps")),
        Some(list) if list.is_empty() => errors.push(FieldError::new(
            "steps",
            "a workflow needs at least one step",
        )),
        Some(list) => {
            for (i, s) in list.iter().enumerate() {
                let at = format!("steps[{i}]");
                let kind = s.get("kind").and_then(|k| k.as_str());
                match kind {
                    None => {
                        errors.push(FieldError::new(format!("{at}.kind"), "required"));
                        continue;
                    }
                    Some(k) if !STEP_KINDS.contains(&k) => {
                        errors.push(FieldError::new(
                            format!("{at}.kind"),
                            format!(
                                "unknown step kind '{k}'; expected one of: {}",
                                STEP_KINDS.join(", ")
                            ),
                        ));
                        continue;
                    }
                    _ => {}
                }
                match serde_json::from_value::<Step>(s.clone()) {
                    Ok(step) => steps.push((i, step)),
                    Err(e) => errors.push(FieldError::new(at, e.to_string())),
                }
            }
        }
    }
    // References, reachability, conditions and templates.
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, step) in &steps {
        if step.id.trim().is_empty() {
            errors.push(FieldError::new(format!("steps[{i}].id"), "required"));
        } else if index.insert(step.id.as_str(), *i).is_some() {
            errors.push(FieldError::new(
                format!("steps[{i}].id"),
                format!("'{}' names two steps", step.id),
            ));
        }
    }
    for (i, step) in &steps {
        let at = format!("steps[{i}]");
        for (field, target) in step.kind.successors() {
            if !index.contains_key(target) {
                errors.push(FieldError::new(
                    format!("{at}.{field}"),
                    format!("no step has the id '{target}'"),
                ));
            }
        }
        match &step.kind {
            StepKind::Task {
                outcomes,
                escalate_after_days,
                escalate_to,
                due_days,
                title,
                ..
            } => {
                if outcomes.is_empty() {
                    errors.push(FieldError::new(
                        format!("{at}.outcomes"),
                        "a task needs at least one outcome",
                    ));
                }
                if *due_days == 0 {
                    errors.push(FieldError::new(format!("{at}.due_days"), "at least 1 day"));
                }
                if escalate_after_days.is_some() != escalate_to.is_some() {
                    errors.push(FieldError::new(
                        format!("{at}.escalate_to"),
                        "escalate_after_days and escalate_to go together",
                    ));
                }
                check_template_text(title, &format!("{at}.title"), &mut errors);
            }
            StepKind::Notify { to, template, .. } => {
                if to.is_empty() {
                    errors.push(FieldError::new(format!("{at}.to"), "name who is told"));
                }
                if !templates.contains(&template.as_str()) {
                    errors.push(FieldError::new(
                        format!("{at}.template"),
                        format!(
                            "no notification template '{template}'; there are: {}",
                            templates.join(", ")
                        ),
                    ));
                }
            }
            StepKind::Wait {
                event,
                condition,
                days,
                timeout_next,
                until,
                ..
            } => {
                if let Some(u) = until {
                    let root = u.split('.').next().unwrap_or("");
                    if !CONTEXT_VARIABLES.contains(&root) || !u.contains('.') {
                        errors.push(FieldError::new(
                            format!("{at}.until"),
                            "a place in the context such as trigger.midpoint",
                        ));
                    }
                    if event.is_some() || days.is_some() {
                        errors.push(FieldError::new(
                            format!("{at}.until"),
                            "wait until a date, or for an event and/or days, not both",
                        ));
                    }
                }
                match (event, days) {
                    (None, None) if until.is_none() => errors.push(FieldError::new(
                        at.clone(),
                        "a wait needs an event, days, or both (or until)",
                    )),
                    (Some(e), _) => check_event(e, &format!("{at}.event"), &mut errors),
                    _ => {}
                }
                if event.is_none() && (condition.is_some() || timeout_next.is_some()) {
                    errors.push(FieldError::new(
                        at.clone(),
                        "condition and timeout_next need an event to wait for",
                    ));
                }
                if timeout_next.is_some() && days.is_none() {
                    errors.push(FieldError::new(
                        format!("{at}.timeout_next"),
                        "a timeout needs days",
                    ));
                }
                if let Some(c) = condition
                    && let Some(p) = compile(c, &format!("{at}.condition"), &mut errors)
                {
                    compiled.steps.insert(step.id.clone(), p);
                }
            }
            StepKind::Branch { condition, .. } => {
                if let Some(p) = compile(condition, &format!("{at}.condition"), &mut errors) {
                    compiled.steps.insert(step.id.clone(), p);
                }
            }
            StepKind::Recognition { title, .. } => {
                check_template_text(title, &format!("{at}.title"), &mut errors)
            }
            StepKind::CampaignEnroll { campaign, .. } => {
                if campaign.trim().is_empty() {
                    errors.push(FieldError::new(
                        format!("{at}.campaign"),
                        "name the campaign's code",
                    ));
                }
            }
            StepKind::PlanItem { .. }
            | StepKind::Nominate { .. }
            | StepKind::CampaignProgress { .. }
            | StepKind::End => {}
        }
    }
    if let Some((_, first)) = steps.first() {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut todo = vec![first.id.as_str()];
        while let Some(id) = todo.pop() {
            if !seen.insert(id) {
                continue;
            }
            if let Some(&i) = index.get(id)
                && let Some((_, s)) = steps.iter().find(|(j, _)| *j == i)
            {
                todo.extend(s.kind.successors().into_iter().map(|(_, t)| t));
            }
        }
        for (i, s) in &steps {
            if !seen.contains(s.id.as_str()) {
                errors.push(FieldError::new(
                    format!("steps[{i}]"),
                    format!(
                        "step '{}' cannot be reached from the first step '{}'",
                        s.id, first.id
                    ),
                ));
            }
        }
        if !steps.iter().any(|(_, s)| matches!(s.kind, StepKind::End)) {
            errors.push(FieldError::new("steps", "a workflow needs an end step"));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Definition {
        key: key.unwrap_or_default(),
        title: title.unwrap_or_default(),
        description,
        trigger: trigger.expect("checked above"),
        steps: steps.into_iter().map(|(_, s)| s).collect(),
        compiled: Arc::new(compiled),
    })
}

pub(super) fn check_event(kind: &str, at: &str, errors: &mut Vec<FieldError>) {
    if !EVENT_KINDS.iter().any(|(k, _)| *k == kind) {
        errors.push(FieldError::new(
            at,
            format!(
                "unknown event '{kind}'; expected one of: {}",
                EVENT_KINDS
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
}

/// Handlebars braces must at least balance; the engine renders titles with handlebars.
pub(super) fn check_template_text(text: &str, at: &str, errors: &mut Vec<FieldError>) {
    if text.trim().is_empty() {
        errors.push(FieldError::new(at, "required text"));
    } else if text.matches("{{").count() != text.matches("}}").count() {
        errors.push(FieldError::new(at, "unbalanced {{ }} in the template"));
    }
}

pub(super) fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}
