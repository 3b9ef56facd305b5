//! `kubectl scale`.

use super::*;

const SCALE_FLAGS: &[Flag] = &[value("replicas", None), value("current-replicas", None), value("selector", Some('l'))];

/// `kubectl scale deployment|replicaset NAME --replicas=N`.
pub(super) fn scale(c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some(args) = parse("scale", words, SCALE_FLAGS, out) else { return };
    let replicas = match args.int("replicas") {
        Ok(Some(n)) => n,
        Ok(None) => return out.fail("error: required flag(s) \"replicas\" not set"),
        Err(e) => return out.fail(format!("error: {e}")),
    };
    if replicas < 0 {
        return out.fail("error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0");
    }
    let current = match args.int("current-replicas") {
        Ok(v) => v,
        Err(e) => return out.fail(format!("error: {e}")),
    };
    let ns = namespace(c, &args);
    let Some(reqs) = requests(&args.positional, "scale", out) else { return };
    for (kind, name) in reqs {
        let Some(name) = name else {
            return out.fail("error: resource(s) were provided, but no name was specified");
        };
        let key = ObjectKey::new(ns.as_str(), name.as_str());
        let Some(obj) = c.store.get_object(kind, &key) else {
            out.fail(ApiError::not_found(kind, &name).to_string());
            continue;
        };
        let mut updated = obj;
        let spec_replicas = match &mut updated {
            Object::Deployment(d) => &mut d.spec.replicas,
            Object::ReplicaSet(rs) => &mut rs.spec.replicas,
            Object::StatefulSet(ss) => &mut ss.spec.replicas,
            other => {
                out.fail(format!("error: cannot scale {}", other.kind().plural()));
                continue;
            }
        };
        let was = spec_replicas.unwrap_or(1);
        if current.is_some_and(|cur| i64::from(was) != cur) {
            out.fail(format!("error: Expected replicas to be {}, was {was}", current.unwrap_or(0)));
            continue;
        }
        *spec_replicas = Some(replicas as i32);
        match c.api_update(updated) {
            Ok(_) => out.outln(format!("{}/{name} scaled", kind.qualified())),
            Err(e) => out.fail(e.to_string()),
        }
    }
}
