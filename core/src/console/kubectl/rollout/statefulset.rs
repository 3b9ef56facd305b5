//! `kubectl rollout status|history|undo|restart sts/NAME`: a StatefulSet's rollout, read from its
//! status and its ControllerRevisions (kubectl's `StatefulSetStatusViewer` and
//! `StatefulSetHistoryViewer`).

use super::super::*;
use crate::api::{ControllerRevision, StatefulSet};
use crate::console::Look;

pub(in crate::console::kubectl) fn rollout(
    c: &mut Cluster,
    ss: &StatefulSet,
    sub: &str,
    args: &Args,
    out: &mut Output,
) {
    let name = ss.metadata.name.clone();
    let label = format!("statefulset.apps/{name}");
    let mut revisions: Vec<ControllerRevision> = c
        .store
        .dependents(&ss.metadata.uid)
        .into_iter()
        .filter(|r| r.kind == Kind::ControllerRevision)
        .filter_map(|r| c.store.get::<ControllerRevision>(&r.key).cloned())
        .collect();
    revisions.sort_by_key(|r| r.revision);
    match sub {
        "status" => status(c, ss, args, out),
        "history" => {
            if let Some(n) = args.get("revision") {
                let Some(r) = revisions.iter().find(|r| r.revision.to_string() == n) else {
                    return out.fail(format!("error: unable to find the specified revision {n}"));
                };
                out.outln(format!("{label} with revision #{n}"));
                let template = crate::controllers::statefulset::template_of(&r).unwrap_or_default();
                out.out(crate::console::describe::pod_template(&template));
                return;
            }
            out.outln(format!("{label} "));
            let mut rows = vec![vec!["REVISION".to_string(), "CHANGE-CAUSE".to_string()]];
            for r in &revisions {
                let cause = r
                    .metadata
                    .annotations
                    .get("kubernetes.io/change-cause")
                    .cloned()
                    .unwrap_or_else(|| "<none>".into());
                rows.push(vec![r.revision.to_string(), cause]);
            }
            out.out(output::table_padded(&rows, 2, 0));
            out.outln("");
        }
        "undo" => {
            let to = match args.int("to-revision") {
                Ok(v) => v.unwrap_or(0),
                Err(e) => return out.fail(format!("error: {e}")),
            };
            let target =
                if to == 0 { revisions.iter().rev().nth(1) } else { revisions.iter().find(|r| r.revision == to) };
            let Some(target) = target else {
                return out.fail(if to == 0 {
                    "error: no last revision to roll back to".to_string()
                } else {
                    format!("error: unable to find specified revision {to} in history")
                });
            };
            let Some(template) = crate::controllers::statefulset::template_of(&target) else {
                return out.fail(format!("error: revision {} cannot be read", target.revision));
            };
            if template == ss.spec.template {
                return out.outln(format!(
                    "{label} skipped rollback (current template already matches revision {})",
                    target.revision
                ));
            }
            let mut s2 = ss.clone();
            s2.spec.template = template;
            match c.api_update(s2.into_object()) {
                Ok(_) => out.outln(format!("{label} rolled back")),
                Err(e) => out.fail(e.to_string()),
            }
        }
        "restart" => {
            let mut s2 = ss.clone();
            s2.spec.template.metadata.annotations.insert("kubectl.kubernetes.io/restartedAt".into(), c.now.rfc3339());
            match c.api_update(s2.into_object()) {
                Ok(_) => out.outln(format!("{label} restarted")),
                Err(e) => out.fail(e.to_string()),
            }
        }
        "pause" | "resume" => {
            let verb = if sub == "pause" { "pausing" } else { "resuming" };
            out.fail(format!("error: statefulsets.apps \"{name}\" {verb} is not supported"))
        }
        other => out.fail(format!("error: unknown command \"{other}\" for \"kubectl rollout\"")),
    }
}

/// `kubectl rollout status sts/NAME`: waits (moving simulated time) until the update is rolled
/// out, printing each new state in the words of kubectl's `StatefulSetStatusViewer`.
fn status(c: &mut Cluster, ss: &StatefulSet, args: &Args, out: &mut Output) {
    let (rolling, _) = crate::controllers::statefulset::strategy(ss);
    if !rolling {
        return out.fail("error: rollout status is only available for RollingUpdate strategy type");
    }
    let timeout = match args.get("timeout").map(SimDuration::parse) {
        None => SimDuration::seconds(600),
        Some(Ok(t)) if t.as_millis() > 0 => t,
        Some(Ok(_)) => SimDuration::seconds(600),
        Some(Err(e)) => return out.fail(format!("error: {e}")),
    };
    let watch = !args.has("watch") || args.flag("watch");
    let key = ss.key();
    let deadline = c.now + timeout;
    let mut last = String::new();
    let mut failed = None;
    let done = c.advance_until(|c| {
        let Some(ss) = c.store.get::<StatefulSet>(&key) else {
            failed = Some(format!("error: statefulsets.apps \"{}\" not found", key.name));
            return Look::Done;
        };
        let (msg, done) = message(ss);
        if msg != last {
            out.out(&msg);
            last = msg;
        }
        if done || !watch { Look::Done } else { Look::WaitUntil(deadline) }
    });
    if let Some(e) = failed {
        out.fail(e);
    } else if !done {
        out.fail("error: timed out waiting for the condition");
    }
}

fn message(ss: &StatefulSet) -> (String, bool) {
    let st = &ss.status;
    if st.observed_generation == 0 || ss.metadata.generation > st.observed_generation {
        return ("Waiting for statefulset spec update to be observed...\n".into(), false);
    }
    let want = ss.spec.replicas.unwrap_or(1);
    if st.ready_replicas < want {
        return (format!("Waiting for {} pods to be ready...\n", want - st.ready_replicas), false);
    }
    let rolling_update = ss.spec.update_strategy.as_ref().and_then(|s| s.get("rollingUpdate")).filter(|r| !r.is_null());
    if let Some(ru) = rolling_update {
        if let Some(partition) = ru.get("partition").and_then(serde_json::Value::as_i64) {
            let wanted = i64::from(want) - partition;
            if i64::from(st.updated_replicas) < wanted {
                return (
                    format!(
                        "Waiting for partitioned roll out to finish: {} out of {wanted} new pods have been updated...\n",
                        st.updated_replicas
                    ),
                    false,
                );
            }
        }
        return (
            format!("partitioned roll out complete: {} new pods have been updated...\n", st.updated_replicas),
            true,
        );
    }
    if st.update_revision != st.current_revision {
        return (
            format!(
                "waiting for statefulset rolling update to complete {} pods at revision {}...\n",
                st.updated_replicas, st.update_revision
            ),
            false,
        );
    }
    (
        format!(
            "statefulset rolling update complete {} pods at revision {}...\n",
            st.current_replicas, st.current_revision
        ),
        true,
    )
}
