//! The cluster map: nodes as columns holding their pods, services above with a line to each
//! endpoint. Positions come from core's layout; this module only draws them.
//!
//! Lists are keyed by identity plus what is drawn, so a pod that changes is redrawn and every
//! other element keeps its DOM.

use leptos::prelude::*;
use podscape_core::view::{NodeView, PodView, ServiceView};

use crate::state::Sim;

#[derive(Clone, PartialEq)]
struct Line {
    key: String,
    service: String,
    pod: String,
    x1: f64,
    y1: f64,
    x2: f64,
    y2: f64,
    ready: bool,
    terminating: bool,
}

#[component]
pub fn ClusterMap() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let view = sim.view;
    let view_box = move || view.with(|v| format!("0 0 {} {}", v.width.max(400.0), v.height.max(300.0)));
    let nodes = Memo::new(move |_| {
        view.with(|v| v.nodes.iter().map(|n| NodeView { pods: Vec::new(), ..n.clone() }).collect::<Vec<_>>())
    });
    let pods =
        Memo::new(move |_| view.with(|v| v.nodes.iter().flat_map(|n| n.pods.iter().cloned()).collect::<Vec<_>>()));
    let services = Memo::new(move |_| view.with(|v| v.services.clone()));
    let lines = Memo::new(move |_| {
        view.with(|v| {
            let pods: std::collections::BTreeMap<&str, &PodView> =
                v.nodes.iter().flat_map(|n| &n.pods).map(|p| (p.uid.as_str(), p)).collect();
            let mut out = Vec::new();
            for s in &v.services {
                for e in &s.endpoints {
                    // Ready endpoints get a solid line, serving-terminating ones a dashed line,
                    // the rest none: the service would not send them traffic.
                    let drawn = e.ready || (e.serving && e.terminating);
                    let Some(p) = pods.get(e.pod_uid.as_str()).filter(|_| drawn) else { continue };
                    let (x1, y1) = (s.x + s.w / 2.0, s.y + s.h);
                    let (x2, y2) = (p.x + p.w / 2.0, p.y);
                    out.push(Line {
                        key: format!("{}|{}|{}|{}|{x2}|{y2}", s.name, p.uid, e.ready, e.terminating),
                        service: s.name.clone(),
                        pod: p.name.clone(),
                        x1,
                        y1,
                        x2,
                        y2,
                        ready: e.ready,
                        terminating: e.terminating,
                    });
                }
            }
            out
        })
    });

    view! {
        <section class="map" aria-label="Cluster map">
            <svg class="map-svg" viewBox=view_box preserveAspectRatio="xMidYMin meet" role="group" aria-label="Nodes, pods and services">
                <For each=move || nodes.get() key=|n| format!("{}|{}|{}", n.name, n.status, n.h) children=node_box/>
                <g class="endpoint-lines">
                    <For each=move || lines.get() key=|l| l.key.clone() children=endpoint_line/>
                </g>
                <For
                    each=move || services.get()
                    key=|s| format!("{}/{}|{}|{}|{}|{}", s.namespace, s.name, s.cluster_ip, s.ports, s.external_ip, s.endpoints.iter().filter(|e| e.ready).count())
                    children=service_box
                />
                <For
                    each=move || pods.get()
                    key=|p| format!("{}|{}|{}|{}|{}|{}", p.uid, p.status, p.ip, p.ready, p.y, p.restarts)
                    children=move |p| pod_card(sim, p)
                />
            </svg>
            <PodInspector/>
        </section>
    }
}

fn node_box(n: NodeView) -> impl IntoView {
    let class = if n.ready { "node" } else { "node node-failed" };
    view! {
        <g class=class data-testid="node" data-name=n.name.clone()>
            <rect x=n.x y=n.y width=n.w height=n.h rx="10"/>
            <text class="node-name" x=n.x + 12.0 y=n.y + 22.0>{n.name.clone()}</text>
            <text class="node-meta" x=n.x + 12.0 y=n.y + 40.0>{format!("{} · {} · {}", n.status, n.internal_ip, n.pod_cidr)}</text>
        </g>
    }
}

fn endpoint_line(l: Line) -> impl IntoView {
    let class = if l.terminating { "endpoint-line terminating" } else { "endpoint-line" };
    view! {
        <line
            class=class
            data-testid="endpoint-line"
            data-service=l.service
            data-pod=l.pod
            data-ready=l.ready.to_string()
            x1=l.x1
            y1=l.y1
            x2=l.x2
            y2=l.y2
        />
    }
}

fn service_box(s: ServiceView) -> impl IntoView {
    let ready = s.endpoints.iter().filter(|e| e.ready).count();
    let class = if ready == 0 { "service service-down" } else { "service" };
    let label = format!("Service {}: {} {} {}, {} ready endpoints", s.name, s.type_, s.cluster_ip, s.ports, ready);
    view! {
        <g class=class data-testid="service" data-name=s.name.clone() data-cluster-ip=s.cluster_ip.clone() aria-label=label>
            <rect x=s.x y=s.y width=s.w height=s.h rx="12"/>
            <text class="service-name" x=s.x + 12.0 y=s.y + 22.0>{format!("svc/{}", s.name)}</text>
            <text class="service-ip" x=s.x + 12.0 y=s.y + 40.0>{format!("{} {}", s.cluster_ip, s.ports)}</text>
            <text class="service-meta" x=s.x + 12.0 y=s.y + 56.0>
                {if s.external_ip.is_empty() {
                    format!("{} · {} ready", s.type_, ready)
                } else {
                    format!("{} {} · {} ready", s.type_, s.external_ip, ready)
                }}
            </text>
        </g>
    }
}

/// A stable hue per workload, so a deployment's pods share a colour wherever they run.
fn hue(owner: &str) -> u32 {
    owner.bytes().fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b))) % 360
}

fn pod_card(sim: Sim, p: PodView) -> impl IntoView {
    let mut class = String::from("pod");
    if p.system {
        class.push_str(" pod-system");
    }
    class.push_str(match p.status.as_str() {
        "Running" if p.ready => " pod-ready",
        "Running" => " pod-unready",
        "Terminating" => " pod-terminating",
        "CrashLoopBackOff" | "Error" | "ImagePullBackOff" | "ErrImagePull" => " pod-failing",
        _ => " pod-pending",
    });
    let uid = p.uid.clone();
    let uid_key = p.uid.clone();
    let selected = move || sim.selected.get().as_deref() == Some(uid.as_str());
    let select = {
        let uid = p.uid.clone();
        move || sim.selected.set(Some(uid.clone()))
    };
    let select_key = select.clone();
    let label = format!(
        "Pod {} on its node: {}, IP {}, {} restarts",
        p.name,
        p.status,
        if p.ip.is_empty() { "none" } else { &p.ip },
        p.restarts
    );
    let _ = uid_key;
    view! {
        <g
            class=class
            class:selected=selected
            style=format!("--hue: {}", hue(&p.owner))
            data-testid="pod"
            data-name=p.name.clone()
            data-ip=p.ip.clone()
            data-status=p.status.clone()
            data-owner=p.owner.clone()
            tabindex="0"
            role="button"
            aria-label=label
            on:click=move |_| select()
            on:keydown=move |ev| {
                if ev.key() == "Enter" || ev.key() == " " {
                    ev.prevent_default();
                    select_key();
                }
            }
        >
            <rect x=p.x y=p.y width=p.w height=p.h rx="8"/>
            <text class="pod-name" x=p.x + 10.0 y=p.y + 20.0>{p.name.clone()}</text>
            <text class="pod-ip" x=p.x + 10.0 y=p.y + 37.0>{if p.ip.is_empty() { "no IP yet".to_string() } else { p.ip.clone() }}</text>
            <text class="pod-status" x=p.x + 10.0 y=p.y + 52.0>
                {format!("{}{}", p.status, if p.restarts > 0 { format!(" · {} restarts", p.restarts) } else { String::new() })}
            </text>
        </g>
    }
}

/// The selected pod, with what a learner can do to it. Each action is a console line.
#[component]
fn PodInspector() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let pod = Memo::new(move |_| {
        let uid = sim.selected.get()?;
        sim.view.with(|v| v.nodes.iter().flat_map(|n| &n.pods).find(|p| p.uid == uid).cloned())
    });
    view! {
        <Show when=move || pod.get().is_some()>
            {move || {
                pod.get().map(|p| {
                    let delete_line = if p.namespace == "default" {
                        format!("kubectl delete pod {} --wait=false", p.name)
                    } else {
                        format!("kubectl delete pod {} -n {} --wait=false", p.name, p.namespace)
                    };
                    let shown = delete_line.clone();
                    view! {
                        <aside class="inspector" data-testid="inspector" aria-label="Selected pod">
                            <header>
                                <h2>{p.name.clone()}</h2>
                                <button class="close" aria-label="Close" on:click=move |_| sim.selected.set(None)>"×"</button>
                            </header>
                            <dl>
                                <dt>"Status"</dt><dd>{p.status.clone()}</dd>
                                <dt>"IP"</dt><dd>{if p.ip.is_empty() { "<none>".to_string() } else { p.ip.clone() }}</dd>
                                <dt>"Ready"</dt><dd>{if p.ready { "yes" } else { "no" }}</dd>
                                <dt>"Restarts"</dt><dd>{p.restarts}</dd>
                            </dl>
                            <button
                                class="danger"
                                data-testid="delete-pod"
                                title=shown
                                on:click=move |_| {
                                    sim.run(&delete_line);
                                    sim.selected.set(None);
                                }
                            >
                                "Delete pod"
                            </button>
                        </aside>
                    }
                })
            }}
        </Show>
    }
}
