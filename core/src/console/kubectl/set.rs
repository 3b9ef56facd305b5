//! `kubectl set image`.

use super::*;

const SET_FLAGS: &[Flag] = &[value("selector", Some('l')), boolean("all", None)];

/// `kubectl set image (TYPE NAME | TYPE/NAME) CONTAINER=IMAGE ...`.
pub(super) fn set(c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some((what, rest)) = words.split_first() else {
        return out.fail("error: must specify one of: env, image, resources, selector, serviceaccount, subject");
    };
    if what != "image" {
        return out.fail(format!(
            "error: unknown command \"{what}\" for \"kubectl set\": only `kubectl set image` is simulated"
        ));
    }
    let Some(mut args) = parse("set image", rest, SET_FLAGS, out) else { return };
    let pairs: Vec<String> = args.positional.iter().filter(|w| w.contains('=')).cloned().collect();
    args.positional.retain(|w| !w.contains('='));
    if pairs.is_empty() {
        return out.fail("error: at least one image update is required");
    }
    let Some(reqs) = requests(&args.positional, "set image", out) else { return };
    let ns = namespace(c, &args);
    for (kind, name) in reqs {
        let Some(name) = name else { return out.fail("error: resource(s) were provided, but no name was specified") };
        let Some(obj) = c.store.get_object(kind, &ObjectKey::new(ns.as_str(), name.as_str())) else {
            out.fail(ApiError::not_found(kind, &name).to_string());
            continue;
        };
        let mut obj = obj;
        let spec = match &mut obj {
            Object::Deployment(d) => &mut d.spec.template.spec,
            Object::ReplicaSet(rs) => &mut rs.spec.template.spec,
            Object::Pod(p) => &mut p.spec,
            other => {
                out.fail(format!("error: cannot set the image of a {}", other.kind().name()));
                continue;
            }
        };
        for pair in &pairs {
            let (container, image) = pair.split_once('=').unwrap_or_default();
            let mut found = false;
            for ctr in spec.containers.iter_mut().chain(spec.init_containers.iter_mut()) {
                if container == "*" || ctr.name == container {
                    ctr.image = image.to_string();
                    found = true;
                }
            }
            if !found {
                return out.fail(format!("error: unable to find container named \"{container}\""));
            }
        }
        match c.api_update(obj) {
            Ok(_) => out.outln(format!("{}/{name} image updated", kind.qualified())),
            Err(e) => out.fail(e.to_string()),
        }
    }
}
