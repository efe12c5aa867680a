//! A batch's shared context and the write of its buffered effects (instances, states, tasks,
//! notifications, recognitions, nominations, history) with multi-row statements.

#[allow(unused_imports)]
use super::*;

impl Engine {
    pub(super) async fn batch_context(&self, now: DateTime<Utc>) -> anyhow::Result<Batch> {
        let zone = self.store.time_zone().await?;
        Ok(Batch {
            today: today_in(&zone, now),
            zone,
            org: None,
            history: Vec::new(),
            tasks: Vec::new(),
            notes: Vec::new(),
            recognitions: Vec::new(),
            nominations: Vec::new(),
            cancel: Vec::new(),
            new: HashMap::new(),
            next_temp: -1,
            states: HashMap::new(),
            waiting: HashMap::new(),
        })
    }

    /// Writes what the batch buffered: new instances (their temporary ids replaced by the real
    /// ones), state changes, tasks, notifications, recognitions, nominations and history.
    pub(super) async fn flush(
        &self,
        txn: &DatabaseTransaction,
        b: &mut Batch,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let mut fresh = Vec::new();
        let mut temps = Vec::new();
        for (id, start) in &b.new {
            let Some(st) = b.states.get(id) else { continue };
            temps.push((*id, start.trigger_key.clone()));
            fresh.push(wf::NewInstance {
                workflow: st.workflow.clone(),
                version: st.version,
                subject: start.subject.clone(),
                trigger_key: start.trigger_key.clone(),
                status: st.status,
                current_step: st.step.clone(),
                context: serde_json::to_value(&st.ctx)?,
                waiting_for: st.waiting_for.clone(),
                wake_at: st.wake_at,
                attempts: st.attempts,
                last_error: st.error.clone(),
            });
        }
        let inserted = wf::insert_instances(txn, &fresh, now).await?;
        // Temporary id → real id; an instance another engine started first maps to none, and
        // its effects are dropped with it.
        let real: HashMap<i64, i64> = temps
            .into_iter()
            .filter_map(|(t, key)| inserted.get(&key).map(|id| (t, *id)))
            .collect();
        let map = |id: i64| -> Option<i64> {
            if id < 0 {
                real.get(&id).copied()
            } else {
                Some(id)
            }
        };
        for (id, st) in &b.states {
            if *id < 0 {
                continue;
            }
            wf::update_instance(
                txn,
                *id,
                &InstanceState {
                    status: st.status,
                    current_step: Some(&st.step),
                    context: &serde_json::to_value(&st.ctx)?,
                    waiting_for: st.waiting_for.as_deref(),
                    wake_at: st.wake_at,
                    attempts: st.attempts,
                    last_error: st.error.as_deref(),
                },
                now,
            )
            .await?;
        }
        for id in std::mem::take(&mut b.cancel) {
            if id > 0 {
                wf::cancel_open_tasks(txn, id).await?;
            }
        }
        let tasks: Vec<NewTask> = std::mem::take(&mut b.tasks)
            .into_iter()
            .filter_map(|mut t| {
                t.instance_id = map(t.instance_id)?;
                Some(t)
            })
            .collect();
        wf::insert_tasks(txn, &tasks, now).await?;
        let notes: Vec<NewNotification> = std::mem::take(&mut b.notes)
            .into_iter()
            .filter_map(|mut n| {
                n.instance_id = match n.instance_id {
                    Some(i) => Some(map(i)?),
                    None => None,
                };
                Some(n)
            })
            .collect();
        wf::insert_notifications(txn, &notes, now, self.store.mail_delivery()).await?;
        for (nip, title, inst) in std::mem::take(&mut b.recognitions) {
            if let Some(inst) = map(inst) {
                wf::insert_recognition(txn, &nip, &title, inst, now).await?;
            }
        }
        for (nip, pool, talent, inst) in std::mem::take(&mut b.nominations) {
            if let Some(inst) = map(inst) {
                wf::insert_nomination(txn, &nip, &pool, talent, inst, now).await?;
            }
        }
        let history: Vec<(i64, String, String, Option<String>)> = std::mem::take(&mut b.history)
            .into_iter()
            .filter_map(|(i, step, event, detail)| Some((map(i)?, step, event, detail)))
            .collect();
        wf::append_history(txn, &history, now).await?;
        b.new.clear();
        b.states.clear();
        Ok(())
    }
}
