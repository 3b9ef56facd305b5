//! `kubectl top pod|node`: what metrics-server reports.

use super::*;

const TOP_FLAGS: &[Flag] =
    &[value("selector", Some('l')), value("sort-by", None), boolean("containers", None), boolean("no-headers", None)];

/// `kubectl top pod|node [NAME] [-l SEL] [-A] [--containers] [--sort-by=cpu|memory]`: the usage
/// metrics-server reports (see `metrics`), in kubectl's layout (`metricsutil/metrics_printer.go`).
pub(super) fn top(c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some(args) = parse("top", words, TOP_FLAGS, out) else { return };
    let mut pos = args.positional.iter().map(String::as_str);
    let what = pos.next().unwrap_or("");
    let name = pos.next();
    let Ok(selector) = selector_flag(&args, out) else { return };
    let sort = args.get("sort-by").unwrap_or("");
    if !["", "cpu", "memory"].contains(&sort) {
        return out.fail("error: --sort-by accepts only cpu or memory");
    }
    let cpu = |m: u64| format!("{m}m");
    let mem = |b: u64| format!("{}Mi", b / (1024 * 1024));
    let mut rows: Vec<(u64, u64, Vec<String>)> = Vec::new();
    let headers: Vec<&str> = match what {
        "pod" | "pods" | "po" => {
            let all_ns = args.flag("all-namespaces");
            let ns = namespace(c, &args);
            let pods: Vec<crate::api::Pod> = match name {
                Some(n) => {
                    c.store.get::<crate::api::Pod>(&ObjectKey::new(ns.as_str(), n)).cloned().into_iter().collect()
                }
                None => {
                    c.store.list::<crate::api::Pod>(if all_ns { None } else { Some(ns.as_str()) }).cloned().collect()
                }
            };
            let pods: Vec<_> =
                pods.into_iter().filter(|p| selector.as_ref().is_none_or(|s| s.matches(&p.metadata.labels))).collect();
            for p in &pods {
                let Some(usage) = c.pod_usage(p) else { continue };
                let mut lead = Vec::new();
                if all_ns {
                    lead.push(p.metadata.namespace.clone());
                }
                if args.flag("containers") {
                    for u in usage {
                        let mut r = lead.clone();
                        r.extend([p.metadata.name.clone(), u.name, cpu(u.cpu_milli), mem(u.memory_bytes)]);
                        rows.push((u.cpu_milli, u.memory_bytes, r));
                    }
                } else {
                    let (cm, mb) = usage.iter().fold((0, 0), |(a, b), u| (a + u.cpu_milli, b + u.memory_bytes));
                    lead.extend([p.metadata.name.clone(), cpu(cm), mem(mb)]);
                    rows.push((cm, mb, lead));
                }
            }
            if rows.is_empty() {
                if let Some(n) = name {
                    return out.fail(format!(
                        "Error from server (NotFound): podmetrics.metrics.k8s.io \"{ns}/{n}\" not found"
                    ));
                }
                if !pods.is_empty() {
                    return out.fail("error: metrics not available yet");
                }
                return out.errln(if all_ns {
                    "No resources found".to_string()
                } else {
                    format!("No resources found in {ns} namespace.")
                });
            }
            let mut h = if args.flag("containers") {
                vec!["POD", "NAME", "CPU(cores)", "MEMORY(bytes)"]
            } else {
                vec!["NAME", "CPU(cores)", "MEMORY(bytes)"]
            };
            if all_ns {
                h.insert(0, "NAMESPACE");
            }
            h
        }
        "node" | "nodes" | "no" => {
            let nodes: Vec<crate::api::Node> = match name {
                Some(n) => match c.store.get::<crate::api::Node>(&ObjectKey::cluster(n)) {
                    Some(node) => vec![node.clone()],
                    None => return out.fail(ApiError::not_found(Kind::Node, n).to_string()),
                },
                None => c.store.list::<crate::api::Node>(None).cloned().collect(),
            };
            for n in nodes.iter().filter(|n| selector.as_ref().is_none_or(|s| s.matches(&n.metadata.labels))) {
                let row = match c.node_usage(n) {
                    Some((cm, mb)) => {
                        let alloc = |r: &str| {
                            n.status.allocatable.get(r).and_then(|v| crate::api::quantity::parse_milli(v)).unwrap_or(0)
                        };
                        let pct =
                            |used: u64, total: i128| if total > 0 { (used as i128 * 100 / total) as u64 } else { 0 };
                        let r = vec![
                            n.metadata.name.clone(),
                            cpu(cm),
                            format!("{}%", pct(cm, alloc("cpu"))),
                            mem(mb),
                            format!("{}%", pct(mb, alloc("memory") / 1000)),
                        ];
                        (cm, mb, r)
                    }
                    // kubectl lists a node metrics-server has no figures for with <unknown>.
                    None => {
                        let mut r = vec![n.metadata.name.clone()];
                        r.extend(std::iter::repeat_n("<unknown>".to_string(), 4));
                        (0, 0, r)
                    }
                };
                rows.push(row);
            }
            vec!["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]
        }
        "" => {
            return out.fail("error: you must specify a resource: kubectl top pod|node");
        }
        other => {
            return out.fail(format!("error: unknown command \"{other}\" for \"kubectl top\": use pod or node"));
        }
    };
    match sort {
        "cpu" => rows.sort_by_key(|r| std::cmp::Reverse(r.0)),
        "memory" => rows.sort_by_key(|r| std::cmp::Reverse(r.1)),
        _ => {}
    }
    let mut table: Vec<Vec<String>> = Vec::new();
    if !args.flag("no-headers") {
        table.push(headers.iter().map(|h| h.to_string()).collect());
    }
    table.extend(rows.into_iter().map(|r| r.2));
    out.out(output::table_tab_terminated(&table));
}
