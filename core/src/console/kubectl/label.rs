//! `kubectl label` and `kubectl annotate`.

use super::query::{Query, Unnamed};
use super::*;

const LABEL_FLAGS: &[Flag] =
    &[boolean("overwrite", None), value("selector", Some('l')), boolean("all", None), boolean("list", None)];

/// `kubectl label|annotate TYPE NAME|-l SEL|--all KEY=VALUE... KEY-... [--overwrite]`.
pub(super) fn label(c: &mut Cluster, words: &[String], labels: bool, out: &mut Output) {
    let (verb, done) = if labels { ("label", "labeled") } else { ("annotate", "annotated") };
    let Some(args) = parse(verb, words, LABEL_FLAGS, out) else { return };
    // Changes are the words with `=` or a trailing `-`; the rest name the objects.
    let (changes, targets): (Vec<&String>, Vec<&String>) =
        args.positional.iter().partition(|w| w.contains('=') || (w.ends_with('-') && !w.contains('/')));
    let targets: Vec<String> = targets.into_iter().cloned().collect();
    if changes.is_empty() && !args.flag("list") {
        return out.fail(format!("error: at least one {verb} update is required"));
    }
    let mut set = Vec::new();
    let mut remove = Vec::new();
    for ch in &changes {
        if let Some(k) = ch.strip_suffix('-').filter(|_| !ch.contains('=')) {
            remove.push(k.to_string());
            continue;
        }
        let (k, v) = ch.split_once('=').unwrap_or((ch.as_str(), ""));
        let check = if labels {
            crate::validation::label_key(k).and_then(|_| crate::validation::label_value(v))
        } else {
            crate::validation::label_key(k)
        };
        if let Err(e) = check {
            return out.fail(format!("error: invalid {verb} spec: {ch}: {e}"));
        }
        set.push((k.to_string(), v.to_string()));
    }
    let Some(query) = Query::from_words(c, &args, &targets, verb, out) else { return };
    let Some(objects) = query.objects(c, Unnamed::NeedsSelectorOrAll, out) else { return };
    for mut obj in objects {
        let kind = obj.kind();
        let name = obj.meta().name.clone();
        let map = if labels { &mut obj.meta_mut().labels } else { &mut obj.meta_mut().annotations };
        for (k, v) in &set {
            if let Some(old) = map.get(k).filter(|old| *old != v && !args.flag("overwrite")) {
                out.fail(format!("error: '{k}' already has a value ({old}), and --overwrite is false"));
                return;
            }
        }
        let before = map.clone();
        for k in &remove {
            map.remove(k);
        }
        for (k, v) in &set {
            map.insert(k.clone(), v.clone());
        }
        let changed = *map != before;
        let label = format!("{}/{name}", kind.qualified());
        if !changed {
            out.outln(format!("{label} not {done}"));
            continue;
        }
        match c.api_update(obj) {
            Ok(_) => out.outln(format!("{label} {done}")),
            Err(e) => out.fail(e.to_string()),
        }
    }
}
