//! The cluster map: nodes as columns holding their pods, services above with a line to each
//! endpoint, PersistentVolumes below with a line to each node they are attached to. Positions
//! come from core's layout; this module only draws them.
//!
//! Lists are keyed by identity plus what is drawn, so a pod that changes is redrawn and every
//! other element keeps its DOM.

use std::collections::BTreeSet;
use std::sync::Arc;

use leptos::prelude::*;
use podscape_core::view::{EndpointView, NodeView, PodView, ServiceView, StorageView, VolumeView};

use crate::state::{Group, Sim};

/// One stroke between a Service and its endpoints: a line to one endpoint, or, when a Service has
/// many endpoints, part of the bundle that carries them (a trunk from the Service down to a node,
/// the node's spine, and a short branch into each pod).
#[derive(Clone, PartialEq)]
struct Line {
    key: u64,
    service: String,
    /// The endpoint's pod; empty for a trunk or a spine.
    pod: String,
    x1: f64,
    y1: f64,
    x2: f64,
    y2: f64,
    ready: bool,
    terminating: bool,
}

/// The map width that fits the frame at the largest scale: three node columns and half of a
/// fourth, so a column that appears (the unscheduled lane, a node added) shows at the edge and
/// the map scrolls to it, while pods stay drawn at a readable size.
const FIT_WIDTH: f64 = 3.5 * (podscape_core::view::NODE_WIDTH + podscape_core::view::NODE_GAP) + 10.0;
/// Below this the pods' text is too small to read: the map scrolls instead.
const MIN_SCALE: f64 = 0.55;

#[component]
pub fn ClusterMap() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let view = sim.view;
    let view_box = move || view.with(|v| format!("0 0 {} {}", v.width.max(400.0), v.height.max(300.0)));
    // One map unit is `scale` pixels, chosen from the frame's width alone (a three-node cluster
    // fits), never from what is drawn: a new node or the unscheduled lane extends the map, which
    // scrolls, instead of shrinking everything on it.
    let map_ref = NodeRef::<leptos::html::Section>::new();
    let scale = RwSignal::new(1.0_f64);
    let fit = move || {
        if let Some(el) = map_ref.get_untracked() {
            let room = f64::from(el.client_width()) - 16.0;
            let next = (room / FIT_WIDTH).clamp(MIN_SCALE, 1.0);
            if (scale.get_untracked() - next).abs() > 0.001 {
                scale.set(next);
            }
        }
    };
    Effect::new(move |_| {
        if map_ref.get().is_some() {
            fit();
        }
    });
    let resize = window_event_listener(leptos::ev::resize, move |_| fit());
    on_cleanup(move || resize.remove());
    let svg_width = move || format!("{}px", view.with(|v| v.width.max(400.0)) * scale.get());
    let nodes = Memo::new(move |_| {
        view.with(|v| v.nodes.iter().map(|n| NodeView { pods: Vec::new(), ..n.clone() }).collect::<Vec<_>>())
    });
    // Each pod with whether its ReplicaSet is an old one of its Deployment (during a rollout).
    let pods = Memo::new(move |_| {
        view.with(|v| {
            let old: std::collections::BTreeSet<&str> = v
                .deployments
                .iter()
                .flat_map(|d| d.replica_sets.iter().filter(|r| !r.current).map(|r| r.name.as_str()))
                .collect();
            v.nodes
                .iter()
                .chain(&v.unscheduled)
                .flat_map(|n| n.pods.iter())
                .map(|p| (p.clone(), old.contains(p.replica_set.as_str())))
                .collect::<Vec<_>>()
        })
    });
    // Which pod is selected, and which pods belong to the workload pointed at, as per-pod
    // signals: a change wakes the cards it concerns, not every card on the map (at 2,000 pods,
    // waking every card costs more than the command itself). The fade of the others is one class
    // on the pods' layer.
    let is_selected = Selector::new(move || sim.selected.get());
    let in_group = Selector::new_with_fn(
        move || (sim.group.get(), String::new()),
        |pod: &GroupKey, now: &GroupKey| match (&pod.0, &now.0) {
            (Some(p), Some(g)) => g.contains(&p.deployment, p.replica_set.as_deref().unwrap_or_default()),
            _ => false,
        },
    );
    {
        let (is_selected, in_group) = (is_selected.clone(), in_group.clone());
        // A pod that leaves the map takes its listeners with it (pod uids are never reused). The
        // pods are kept as shared views sorted by uid, so a refresh allocates nothing per pod.
        Effect::new(move |before: Option<Vec<Arc<PodView>>>| {
            let mut now: Vec<Arc<PodView>> = pods.with(|ps| ps.iter().map(|(p, _)| Arc::clone(p)).collect());
            now.sort_by(|a, b| a.uid.cmp(&b.uid));
            for gone in before.iter().flatten().filter(|p| now.binary_search_by(|n| n.uid.cmp(&p.uid)).is_err()) {
                is_selected.remove(&Some(gone.uid.clone()));
                in_group.remove(&group_key(gone));
            }
            now
        });
    }
    let lane = Memo::new(move |_| view.with(|v| v.unscheduled.as_ref().map(|l| (l.x, l.y, l.w, l.h, l.pods.len()))));
    let services = Memo::new(move |_| view.with(|v| v.services.iter().map(ServiceBox::of).collect::<Vec<_>>()));
    let lines = Memo::new(move |_| {
        view.with(|v| {
            let pods: std::collections::HashMap<&str, &PodView> =
                v.nodes.iter().flat_map(|n| &n.pods).map(|p| (p.uid.as_str(), &**p)).collect();
            let mut out = Vec::new();
            for s in &v.services {
                // Ready endpoints get a solid line, serving-terminating ones a dashed line,
                // the rest none: the service would not send them traffic.
                let drawn: Vec<(&EndpointView, &PodView)> = s
                    .endpoints
                    .iter()
                    .filter(|e| e.ready || (e.serving && e.terminating))
                    .filter_map(|e| Some((e, *pods.get(e.pod_uid.as_str())?)))
                    .collect();
                if drawn.len() > BUNDLE_FROM {
                    bundle(s, &drawn, &v.nodes, &mut out);
                } else {
                    let (x1, y1) = (s.x + s.w / 2.0, s.y + s.h);
                    out.extend(drawn.iter().map(|(e, p)| branch(s, e, p, (x1, y1), (p.x + p.w / 2.0, p.y))));
                }
            }
            out
        })
    });

    // Requests in flight: each dot travels client → Service → backend, coloured by outcome, and
    // stops where a failed request failed.
    let dots = Memo::new(move |_| {
        view.with(|v| {
            // Only the pods the requests name: a few, among possibly thousands.
            let named: BTreeSet<&str> =
                v.traces.iter().flat_map(|t| [t.from_pod.as_deref(), t.backend_pod.as_deref()]).flatten().collect();
            let pods: std::collections::BTreeMap<&str, &PodView> = v
                .nodes
                .iter()
                .flat_map(|n| &n.pods)
                .filter(|p| !named.is_empty() && named.contains(p.name.as_str()))
                .map(|p| (p.name.as_str(), &**p))
                .collect();
            let services: std::collections::BTreeMap<&str, &ServiceView> =
                v.services.iter().map(|s| (s.name.as_str(), s)).collect();
            v.traces
                .iter()
                .filter_map(|t| {
                    let svc = t.service.as_deref().and_then(|s| services.get(s));
                    let backend = t.backend_pod.as_deref().and_then(|b| pods.get(b));
                    let mid = svc.map(|s| (s.x + s.w / 2.0, s.y + s.h / 2.0));
                    let start = t
                        .from_pod
                        .as_deref()
                        .and_then(|p| pods.get(p))
                        .map(|p| (p.x + p.w / 2.0, p.y + p.h / 2.0))
                        .or(mid.map(|(x, y)| (x - 60.0, y - 50.0)))?;
                    let mid = mid.unwrap_or(start);
                    let end = backend.map(|p| (p.x + p.w / 2.0, p.y + p.h / 2.0)).unwrap_or(mid);
                    Some((t.seq, t.outcome.clone(), start, mid, end))
                })
                .collect::<Vec<_>>()
        })
    });
    let volumes = Memo::new(move |_| view.with(|v| v.volumes.clone()));
    let claims = Memo::new(move |_| view.with(|v| v.claims.clone()));
    let classes = Memo::new(move |_| view.with(|v| v.storage_classes.clone()));
    let rows = Memo::new(move |_| view.with(|v| v.storage_rows));
    // A bound claim's line down to its volume.
    let bindings = Memo::new(move |_| {
        view.with(|v| {
            v.claims
                .iter()
                .filter_map(|c| {
                    let vol = v.volumes.iter().find(|x| !c.volume.is_empty() && x.name == c.volume)?;
                    let (x1, y1) =
                        (c.x + podscape_core::view::VOLUME_WIDTH / 2.0, c.y + podscape_core::view::VOLUME_HEIGHT);
                    let (x2, y2) = (vol.x + vol.w / 2.0, vol.y);
                    Some((
                        format!("{}/{}|{x1}|{y1}|{x2}|{y2}", c.namespace, c.name),
                        c.name.clone(),
                        vol.name.clone(),
                        x1,
                        y1,
                        x2,
                        y2,
                    ))
                })
                .collect::<Vec<_>>()
        })
    });
    let attachments = Memo::new(move |_| {
        view.with(|v| {
            let nodes: std::collections::BTreeMap<&str, &NodeView> =
                v.nodes.iter().map(|n| (n.name.as_str(), n)).collect();
            let mut out = Vec::new();
            for vol in &v.volumes {
                for node in &vol.attached_to {
                    let Some(n) = nodes.get(node.as_str()) else { continue };
                    let (x1, y1) = (n.x + n.w / 2.0, n.y + n.h);
                    let (x2, y2) = (vol.x + vol.w / 2.0, vol.y);
                    out.push((
                        format!("{}|{node}|{x1}|{y1}|{x2}|{y2}", vol.name),
                        vol.name.clone(),
                        node.clone(),
                        x1,
                        y1,
                        x2,
                        y2,
                    ));
                }
            }
            out
        })
    });

    view! {
            <section class="map" aria-label="Cluster map" tabindex="-1" node_ref=map_ref>
                <svg class="map-svg" viewBox=view_box style:width=svg_width preserveAspectRatio="xMinYMin meet" role="group" aria-label="Nodes, pods and services">
                    <For
                        each=move || nodes.get()
                        key=|n| format!("{}|{}|{}|{}|{}", n.name, n.status, n.h, n.machine, n.disk_files)
                        children=move |n| node_box(sim, n)
                    />
                    {move || lane.get().map(|(x, y, w, h, n)| view! {
                        <g class="lane" data-testid="unscheduled">
                            <rect x=x y=y width=w height=h rx="10"/>
                            <text class="node-name" x=x + 12.0 y=y + 22.0>"Unscheduled"</text>
                            <text class="node-meta" x=x + 12.0 y=y + 40.0>{format!("{n} pending: no node has taken them")}</text>
                        </g>
                    })}
                    <g class="endpoint-lines">
                        <For each=move || lines.get() key=|l| l.key children=endpoint_line/>
                    </g>
                    <For
                        each=move || services.get()
                        key=|b| format!("{}/{}|{}|{}|{}|{}", b.service.namespace, b.service.name, b.service.cluster_ip, b.service.ports, b.service.external_ip, b.ready)
                        children=move |s| service_box(sim, s)
                    />
    <g class="pods" class:grouping=move || sim.group.with(Option::is_some)>
                        <For
                            each=move || pods.get()
                            key=|(p, old)| card_key(p, *old)
                            children=move |(p, old)| pod_card(sim, is_selected.clone(), in_group.clone(), p, old)
                        />
                    </g>
                    <g class="dots" aria-hidden="true">
                        <For
                            each=move || dots.get()
                            key=|d| d.0
                            children=|(seq, outcome, (x1, y1), (x2, y2), (x3, y3))| {
                                let class = if outcome == "answered" { "dot dot-ok" } else { "dot dot-failed" };
                                view! {
                                    <circle
                                        class=class
                                        data-testid="traffic-dot"
                                        data-seq=seq
                                        data-outcome=outcome
                                        r="5"
                                        style:--x1=format!("{x1}px")
                                        style:--y1=format!("{y1}px")
                                        style:--x2=format!("{x2}px")
                                        style:--y2=format!("{y2}px")
                                        style:--x3=format!("{x3}px")
                                        style:--y3=format!("{y3}px")
                                    />
                                }
                            }
                        />
                    </g>
                    <g class="attach-lines">
                        <For
                            each=move || attachments.get()
                            key=|a| a.0.clone()
                            children=|(_, volume, node, x1, y1, x2, y2)| view! {
                                <line class="attach-line" data-testid="attach-line" data-volume=volume data-node=node x1=x1 y1=y1 x2=x2 y2=y2/>
                            }
                        />
                    </g>
                    {move || {
                        let r = rows.get();
                        let label = |y: Option<f64>, text: &'static str| {
                            y.map(|y| view! { <text class="storage-row-label" x="10" y=y - 8.0>{text}</text> })
                        };
                        view! {
                            {label(r.claims, "PersistentVolumeClaims")}
                            {label(r.volumes, "PersistentVolumes")}
                            {label(r.classes, "StorageClasses")}
                        }
                    }}
                    <g class="bind-lines">
                        <For
                            each=move || bindings.get()
                            key=|b| b.0.clone()
                            children=|(_, claim, volume, x1, y1, x2, y2)| view! {
                                <line class="bind-line" data-testid="bind-line" data-claim=claim data-volume=volume x1=x1 y1=y1 x2=x2 y2=y2/>
                            }
                        />
                    </g>
                    <For
                        each=move || claims.get()
                        key=|c| format!("{}/{}|{}|{}|{}|{}|{}", c.namespace, c.name, c.phase, c.capacity, c.used_by.len(), c.x, c.y)
                        children=move |c| claim_box(sim, c)
                    />
                    <For
                        each=move || volumes.get()
                        key=|v| format!("{}|{}|{}|{}|{}|{}", v.name, v.phase, v.claim, v.files.len(), v.x, v.y)
                        children=move |v| volume_box(sim, v)
                    />
                    <For
                        each=move || classes.get()
                        key=|c| format!("{}|{}|{}|{}", c.name, c.default, c.x, c.y)
                        children=class_box
                    />
                </svg>
            </section>
        }
}

fn node_box(sim: Sim, n: NodeView) -> impl IntoView {
    let class = if n.ready { "node" } else { "node node-failed" };
    let name = n.name.clone();
    let select = move || {
        sim.clear_selection();
        sim.selected_node.set(Some(name.clone()));
    };
    let select_key = select.clone();
    let machine = if n.machine == "running" { String::new() } else { format!(" (machine {})", n.machine) };
    let meta = if n.machine == "running" {
        format!("{} · {} · {}", n.status, n.internal_ip, n.pod_cidr)
    } else {
        format!("{} · machine {}", n.status, n.machine)
    };
    view! {
        <g class=class data-testid="node" data-name=n.name.clone() data-machine=n.machine.clone()>
            <rect x=n.x y=n.y width=n.w height=n.h rx="10"/>
            <g
                class="node-header"
                tabindex="0"
                role="button"
                aria-label=format!("Node {}: {}{machine}", n.name, n.status)
                on:click=move |_| select()
                on:keydown=activate_on_key(select_key)
            >
                <rect class="node-header-hit" x=n.x y=n.y width=n.w height=crate::inspectors::NODE_HEADER_HIT/>
                <text class="node-name" x=n.x + 12.0 y=n.y + 22.0>{n.name.clone()}</text>
                // The node's own disk, when hostPath volumes have written to it.
                {(n.disk_files > 0).then(|| view! {
                    <g class="disk-chip" data-testid="node-disk" data-files=n.disk_files.to_string()>
                        <rect x=n.x + n.w - 78.0 y=n.y + 9.0 width="68" height="17" rx="4"/>
                        <text x=n.x + n.w - 44.0 y=n.y + 21.5 text-anchor="middle">{format!("disk · {}", n.disk_files)}</text>
                    </g>
                })}
            </g>
            // A nested viewport clips a long status (Ready,SchedulingDisabled · …) at the node's
            // edge instead of letting it run into the next node; the whole line is its tooltip.
            <svg x=n.x y=n.y width=n.w - 6.0 height=podscape_core::view::NODE_HEADER class="node-meta-clip">
                <title>{meta.clone()}</title>
                <text class="node-meta" x="12" y="40">{meta}</text>
            </svg>
        </g>
    }
}

/// Past this many endpoints a Service's lines are drawn as a bundle: thousands of lines fanning
/// out across the map are one solid blot to the eye, and redrawing them is what a browser spends
/// most of a click's time on at 2,000 pods.
const BUNDLE_FROM: usize = 64;

/// The line for one endpoint, from `from` to `to`.
fn branch(s: &ServiceView, e: &EndpointView, p: &PodView, from: (f64, f64), to: (f64, f64)) -> Line {
    Line {
        key: digest(&(
            &s.name,
            &p.uid,
            e.ready,
            e.terminating,
            from.0.to_bits(),
            from.1.to_bits(),
            to.0.to_bits(),
            to.1.to_bits(),
        )),
        service: s.name.clone(),
        pod: p.name.clone(),
        x1: from.0,
        y1: from.1,
        x2: to.0,
        y2: to.1,
        ready: e.ready,
        terminating: e.terminating,
    }
}

/// A Service's endpoints as a bundle: a trunk from the Service to each node that runs any of
/// them, a spine down the node's left edge, and a short branch from the spine into each pod. Each
/// endpoint keeps a line of its own (the branch), solid or dashed as a direct line would be.
fn bundle(s: &ServiceView, drawn: &[(&EndpointView, &PodView)], nodes: &[NodeView], out: &mut Vec<Line>) {
    let top = (s.x + s.w / 2.0, s.y + s.h);
    let mut by_node: std::collections::HashMap<&str, Vec<&(&EndpointView, &PodView)>> = Default::default();
    for d in drawn {
        by_node.entry(d.1.node.as_str()).or_default().push(d);
    }
    for n in nodes {
        let Some(here) = by_node.remove(n.name.as_str()) else { continue };
        let Some(lowest) = here.iter().map(|(_, p)| p.y + p.h / 2.0).reduce(f64::max) else { continue };
        let spine_x = n.x + 5.0;
        let ready = here.iter().any(|(e, _)| e.ready);
        let mut stroke = |(x1, y1): (f64, f64), (x2, y2): (f64, f64)| {
            out.push(Line {
                key: digest(&(&s.name, &n.name, ready, x1.to_bits(), y1.to_bits(), x2.to_bits(), y2.to_bits())),
                service: s.name.clone(),
                pod: String::new(),
                x1,
                y1,
                x2,
                y2,
                ready,
                terminating: !ready,
            });
        };
        stroke(top, (spine_x, n.y));
        stroke((spine_x, n.y), (spine_x, lowest));
        for (e, p) in here {
            let y = p.y + p.h / 2.0;
            out.push(branch(s, e, p, (spine_x, y), (p.x, y)));
        }
    }
}

fn endpoint_line(l: Line) -> impl IntoView {
    if l.pod.is_empty() {
        let class = if l.terminating { "endpoint-trunk terminating" } else { "endpoint-trunk" };
        return view! {
            <line class=class data-testid="endpoint-trunk" data-service=l.service x1=l.x1 y1=l.y1 x2=l.x2 y2=l.y2/>
        }
        .into_any();
    }
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
    .into_any()
}

/// A Service as its box draws it: the endpoints counted, not copied, so that a refresh of a
/// Service with thousands of endpoints copies a number instead of the list.
#[derive(Clone, PartialEq)]
struct ServiceBox {
    /// The Service's view without its endpoints.
    service: ServiceView,
    ready: usize,
}

impl ServiceBox {
    fn of(s: &ServiceView) -> ServiceBox {
        let service = ServiceView {
            name: s.name.clone(),
            namespace: s.namespace.clone(),
            type_: s.type_.clone(),
            cluster_ip: s.cluster_ip.clone(),
            external_ip: s.external_ip.clone(),
            ports: s.ports.clone(),
            selector: s.selector.clone(),
            x: s.x,
            y: s.y,
            w: s.w,
            h: s.h,
            endpoints: Vec::new(),
        };
        ServiceBox { service, ready: s.endpoints.iter().filter(|e| e.ready).count() }
    }
}

fn service_box(sim: Sim, b: ServiceBox) -> impl IntoView {
    let (s, ready) = (b.service, b.ready);
    let class = if ready == 0 { "service service-down" } else { "service" };
    let label = format!("Service {}: {} {} {}, {} ready endpoints", s.name, s.type_, s.cluster_ip, s.ports, ready);
    let key = format!("{}/{}", s.namespace, s.name);
    let select = move || {
        sim.clear_selection();
        sim.selected_service.set(Some(key.clone()));
    };
    let select_key = select.clone();
    view! {
        <g
            class=class
            data-testid="service"
            data-name=s.name.clone()
            data-cluster-ip=s.cluster_ip.clone()
            aria-label=label
            tabindex="0"
            role="button"
            on:click=move |_| select()
            on:keydown=activate_on_key(select_key)
        >
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

/// Map elements that act as buttons (SVG groups with role="button"): Enter and Space activate
/// them, as they do a `<button>`.
fn activate_on_key(activate: impl Fn() + 'static) -> impl FnMut(web_sys::KeyboardEvent) + 'static {
    move |ev| {
        if ev.key() == "Enter" || ev.key() == " " {
            ev.prevent_default();
            activate();
        }
    }
}

/// A pod as a key of the map's group selector: its workload, and its uid so that each card has a
/// listener of its own.
type GroupKey = (Option<Group>, String);

fn group_key(p: &PodView) -> GroupKey {
    (Some(Group { deployment: p.owner.clone(), replica_set: Some(p.replica_set.clone()) }), p.uid.clone())
}

/// A stable hue per workload, so a deployment's pods share a colour wherever they run.
pub(crate) fn hue(owner: &str) -> u32 {
    owner.bytes().fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b))) % 360
}

fn pod_card(
    sim: Sim,
    is_selected: Selector<Option<String>>,
    in_group: Selector<GroupKey>,
    p: Arc<PodView>,
    old_revision: bool,
) -> impl IntoView {
    let mut class = String::from("pod");
    if old_revision {
        class.push_str(" pod-old");
    }
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
    let selected = {
        let key = Some(uid);
        move || is_selected.selected(&key)
    };
    let select = {
        let uid = p.uid.clone();
        move || {
            sim.clear_selection();
            sim.selected.set(Some(uid.clone()));
        }
    };
    let select_key = select.clone();
    let label = format!(
        "Pod {}{}: {}, IP {}, {} restarts{}",
        p.name,
        if p.node.is_empty() { ", not scheduled" } else { "" },
        p.status,
        if p.ip.is_empty() { "none" } else { &p.ip },
        p.restarts,
        if p.reason.is_empty() { String::new() } else { format!(". {}", p.reason) }
    );
    // Where there is no IP yet, the line says why the pod is not running instead.
    let second_line = match (p.ip.is_empty(), p.reason.is_empty()) {
        (false, _) => p.ip.clone(),
        (true, true) => "no IP yet".to_string(),
        (true, false) => {
            let short: String = p.reason.chars().take(34).collect();
            if short.len() < p.reason.len() { format!("{short}…") } else { short }
        }
    };
    let reason = p.reason.clone();
    // While a Deployment (or one of its ReplicaSets) is pointed at, its pods stand out and the
    // others fade: the group is drawn wherever its pods run.
    let member = {
        let key = group_key(&p);
        move || in_group.selected(&key)
    };
    view! {
        <g
            class=class
            class:selected=selected
            class:in-group=member
            style:--hue=hue(&p.owner).to_string()
            data-testid="pod"
            data-name=p.name.clone()
            data-ip=p.ip.clone()
            data-status=p.status.clone()
            data-owner=p.owner.clone()
            data-replicaset=p.replica_set.clone()
            data-old-revision=old_revision.to_string()
            data-node=p.node.clone()
            data-reason=p.reason.clone()
            tabindex="0"
            role="button"
            aria-label=label
            on:click=move |_| select()
            on:keydown=activate_on_key(select_key)
        >
            <rect x=p.x y=p.y width=p.w height=p.h rx="8"/>
            <text class="pod-name" x=p.x + 10.0 y=p.y + 20.0>{p.name.clone()}</text>
            {(!reason.is_empty()).then(|| view! { <title>{reason}</title> })}
            <text class="pod-ip" class:pod-reason=p.ip.is_empty() && !p.reason.is_empty() x=p.x + 10.0 y=p.y + 37.0>{second_line}</text>
            <text class="pod-status" x=p.x + 10.0 y=p.y + 52.0>
                {format!(
                    "{}{}{}",
                    p.status,
                    if p.restarts > 0 { format!(" · {} restarts", p.restarts) } else { String::new() },
                    if old_revision { " · old revision" } else { "" }
                )}
            </text>
            {storage_chips(&p)}
        </g>
    }
}

/// What a pod card shows (its storage's file counts among it), as one number: the card is
/// redrawn when it changes.
fn card_key(p: &PodView, old_revision: bool) -> u64 {
    let storage: Vec<(&str, usize)> = p.storage.iter().map(|s| (s.name.as_str(), s.files.len())).collect();
    digest(&(
        &p.uid,
        &p.status,
        &p.ip,
        p.ready,
        p.x.to_bits(),
        p.y.to_bits(),
        p.restarts,
        &p.reason,
        old_revision,
        storage,
    ))
}

/// A list item's key from what it draws (SipHash with fixed keys: the same item always has the
/// same key, and a formatted string per item per refresh is not built).
fn digest(what: &impl std::hash::Hash) -> u64 {
    use std::hash::Hasher;
    let mut h = std::hash::DefaultHasher::new();
    what.hash(&mut h);
    h.finish()
}

fn files_count(n: usize) -> String {
    if n == 1 { "1 file".into() } else { format!("{n} files") }
}

/// The letter a storage kind is marked with on a pod card.
fn chip_letter(kind: &str) -> &'static str {
    match kind {
        "layer" => "L",
        "emptyDir" => "E",
        "hostPath" => "H",
        "persistentVolumeClaim" => "P",
        "configMap" => "C",
        "secret" => "S",
        _ => "V",
    }
}

/// Small marks at the card's top right: one per volume, and one per container layer that holds
/// files, each with how many files it holds.
fn storage_chips(p: &PodView) -> impl IntoView + use<> {
    let shown: Vec<&StorageView> =
        p.storage.iter().filter(|s| s.kind != "layer" || !s.files.is_empty()).rev().take(5).collect();
    let right = p.x + p.w - 6.0;
    shown
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let w = 26.0;
            let x = right - (i as f64 + 1.0) * (w + 3.0);
            let label = format!("{} {}: {}, lives with the {}", s.kind, s.name, files_count(s.files.len()), s.lives_with);
            let class = format!("chip chip-{}", s.lives_with);
            view! {
                <g class=class data-testid="storage-chip" data-kind=s.kind.clone() data-files=s.files.len().to_string() aria-label=label>
                    <rect x=x y=p.y + 6.0 width=w height="15" rx="4"/>
                    <text x=x + w / 2.0 y=p.y + 17.0 text-anchor="middle">
                        {format!("{}{}", chip_letter(&s.kind), if s.files.is_empty() { String::new() } else { s.files.len().to_string() })}
                    </text>
                </g>
            }
        })
        .collect_view()
}

/// A PersistentVolume: a disk under the nodes, with its claim, phase and how much it holds.
fn volume_box(sim: Sim, v: VolumeView) -> impl IntoView {
    let name = v.name.clone();
    let short = if v.name.len() > 22 { format!("{}…", &v.name[..21]) } else { v.name.clone() };
    let label = format!("PersistentVolume {}: {}, claim {}, {}", v.name, v.phase, v.claim, files_count(v.files.len()));
    let class = format!("volume volume-{}", v.phase.to_lowercase());
    let select = {
        let name = name.clone();
        move || {
            sim.clear_selection();
            sim.selected_volume.set(Some(name.clone()));
        }
    };
    let select_key = select.clone();
    view! {
        <g
            class=class
            data-testid="volume"
            data-name=v.name.clone()
            data-phase=v.phase.clone()
            data-claim=v.claim.clone()
            data-files=v.files.len().to_string()
            tabindex="0"
            role="button"
            aria-label=label
            on:click=move |_| select()
            on:keydown=activate_on_key(select_key)
        >
            <rect x=v.x y=v.y width=v.w height=v.h rx="14"/>
            <text class="volume-name" x=v.x + 10.0 y=v.y + 18.0>{short}</text>
            <text class="volume-claim" x=v.x + 10.0 y=v.y + 34.0>
                {if v.claim.is_empty() { "unclaimed".to_string() } else { v.claim.clone() }}
            </text>
            <text class="volume-meta" x=v.x + 10.0 y=v.y + 49.0>
                {format!("{} · {} · {} · {}", v.phase, v.access_modes, v.capacity, files_count(v.files.len()))}
            </text>
        </g>
    }
}

/// A PersistentVolumeClaim: bound, it opens its volume (and its files); pending, a click asks
/// `kubectl describe pvc`, whose Events say what it waits for.
fn claim_box(sim: Sim, c: podscape_core::view::ClaimView) -> impl IntoView {
    use podscape_core::view::{VOLUME_HEIGHT, VOLUME_WIDTH};
    let ns = if c.namespace == "default" { String::new() } else { format!(" -n {}", c.namespace) };
    let describe = format!("kubectl describe pvc {}{ns}", c.name);
    let volume = c.volume.clone();
    let select = move || {
        if volume.is_empty() {
            sim.run(&describe);
        } else {
            sim.clear_selection();
            sim.selected_volume.set(Some(volume.clone()));
        }
    };
    let select_key = select.clone();
    let size = if c.capacity.is_empty() { c.request.clone() } else { c.capacity.clone() };
    let users = match c.used_by.len() {
        0 => "no pod".to_string(),
        1 => format!("used by {}", c.used_by[0]),
        n => format!("used by {n} pods"),
    };
    let label = format!("PersistentVolumeClaim {}: {}, {size}, class {}, {users}", c.name, c.phase, c.storage_class);
    let short = if c.name.len() > 22 { format!("{}…", &c.name[..21]) } else { c.name.clone() };
    view! {
        <g
            class=format!("claim claim-{}", c.phase.to_lowercase())
            data-testid="claim-box"
            data-name=c.name.clone()
            data-phase=c.phase.clone()
            data-volume=c.volume.clone()
            tabindex="0"
            role="button"
            aria-label=label
            on:click=move |_| select()
            on:keydown=activate_on_key(select_key)
        >
            <rect x=c.x y=c.y width=VOLUME_WIDTH height=VOLUME_HEIGHT rx="6"/>
            <text class="volume-name" x=c.x + 10.0 y=c.y + 18.0>{short}</text>
            <text class="volume-claim" x=c.x + 10.0 y=c.y + 34.0>{format!("{} · {} · {size}", c.phase, c.access_modes)}</text>
            <text class="volume-meta" x=c.x + 10.0 y=c.y + 49.0>{users}</text>
        </g>
    }
}

/// A StorageClass: the provisioner that makes volumes for claims that name it (or none).
fn class_box(c: podscape_core::view::StorageClassView) -> impl IntoView {
    use podscape_core::view::{VOLUME_HEIGHT, VOLUME_WIDTH};
    let name = if c.default { format!("{} (default)", c.name) } else { c.name.clone() };
    view! {
        <g class="storage-class" data-testid="storage-class" data-name=c.name.clone()>
            <title>{format!("StorageClass {name}: provisioner {}, {}, reclaim {}", c.provisioner, c.binding_mode, c.reclaim_policy)}</title>
            <rect x=c.x y=c.y width=VOLUME_WIDTH height=VOLUME_HEIGHT rx="2"/>
            <text class="volume-name" x=c.x + 10.0 y=c.y + 18.0>{name}</text>
            <text class="volume-claim" x=c.x + 10.0 y=c.y + 34.0>{c.binding_mode.clone()}</text>
            <text class="volume-meta" x=c.x + 10.0 y=c.y + 49.0>{format!("reclaim {}", c.reclaim_policy)}</text>
        </g>
    }
}

/// The selected pod, with what a learner can do to it. Each action is a console line.
#[component]
pub fn PodInspector() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let pod = Memo::new(move |_| {
        let uid = sim.selected.get()?;
        sim.view.with(|v| v.nodes.iter().chain(&v.unscheduled).flat_map(|n| &n.pods).find(|p| p.uid == uid).cloned())
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
                                {crate::inspectors::close_button(sim.selected)}
                            </header>
                            <dl>
                                <dt>"Status"</dt><dd>{p.status.clone()}</dd>
                                <dt>"IP"</dt><dd>{if p.ip.is_empty() { "<none>".to_string() } else { p.ip.clone() }}</dd>
                                <dt>"Ready"</dt><dd>{if p.ready { "yes" } else { "no" }}</dd>
                                <dt>"Restarts"</dt><dd>{p.restarts}</dd>
                                {(!p.reason.is_empty()).then(|| view! { <dt>"Why"</dt><dd class="why" data-testid="pod-reason">{p.reason.clone()}</dd> })}
                            </dl>
                            {storage_list(sim, &p)}
                            <div class="actions">
                                {(p.status == "Running").then(|| {
                                    let crash = exec_line(&p, None, "kill 1");
                                    let shown = crash.clone();
                                    view! {
                                        <button data-testid="crash-container" title=shown on:click=move |_| crate::inspectors::run_in_place(sim, &crash, "[data-testid=crash-container]".into())>
                                            "Crash container"
                                        </button>
                                    }
                                })}
                                {(p.status == "Running").then(|| {
                                    let (line, label) = if p.ready {
                                        (format!("sim unready pod {}", p.name), "Make unready")
                                    } else {
                                        (format!("sim ready pod {}", p.name), "Make ready")
                                    };
                                    crate::inspectors::action(sim, "toggle-ready", line, label, "")
                                })}
                                <button
                                    class="danger"
                                    data-testid="delete-pod"
                                    title=shown
                                    on:click=move |_| {
                                        crate::inspectors::park_focus();
                                        sim.run(&delete_line);
                                        sim.selected.set(None);
                                    }
                                >
                                    "Delete pod"
                                </button>
                            </div>
                            <crate::inspectors::Details kind=podscape_core::api::Kind::Pod namespace=p.namespace.clone() name=p.name.clone()/>
                        </aside>
                    }
                })
            }}
        </Show>
    }
}

/// `kubectl exec` into the pod (and container), running `script` in its shell.
fn exec_line(p: &PodView, container: Option<&str>, script: &str) -> String {
    let ns = if p.namespace == "default" { String::new() } else { format!(" -n {}", p.namespace) };
    let c = container.map(|c| format!(" -c {c}")).unwrap_or_default();
    if script.contains(' ') && script != "kill 1" {
        format!("kubectl exec {}{ns}{c} -- sh -c '{script}'", p.name)
    } else {
        format!("kubectl exec {}{ns}{c} -- {script}", p.name)
    }
}

/// The pod's storage in the inspector: each layer and volume, where it lives, what ends it, its
/// files; a button writes a file there (through `kubectl exec`), so a learner can see what
/// survives the next mishap.
fn storage_list(sim: Sim, p: &PodView) -> impl IntoView + use<> {
    let running = p.status == "Running";
    let items = p
        .storage
        .iter()
        .map(|s| {
            let write = writable_path(s).filter(|_| running).map(|(container, dir)| {
                let line = exec_line(p, Some(&container), &format!("echo \"$(hostname) was here\" >> {dir}/notes.txt"));
                let shown = line.clone();
                // A layer is named for its container and a volume for itself: kind and name
                // find this button again after the redraw.
                let button = format!("[data-testid=\"write-file\"][data-kind=\"{}\"][data-name=\"{}\"]", s.kind, s.name);
                view! {
                    <button class="small" data-testid="write-file" data-kind=s.kind.clone() data-name=s.name.clone() title=shown on:click=move |_| crate::inspectors::run_in_place(sim, &line, button.clone())>
                        "Write a file"
                    </button>
                }
            });
            // Reading a file is `cat` in the first container that mounts this storage.
            let mounted = s.mounts.first().and_then(|m| m.split_once(':')).map(|(c, at)| {
                (c.to_string(), at.trim_end_matches(" (ro)").trim_end_matches('/').to_string())
            });
            let files = s
                .files
                .iter()
                .map(|f| {
                    let read = mounted.clone().filter(|_| running).map(|(container, at)| {
                        let ns = if p.namespace == "default" { String::new() } else { format!(" -n {}", p.namespace) };
                        let line = format!("kubectl exec {}{ns} -c {container} -- cat {at}{}", p.name, f.path);
                        let shown = line.clone();
                        view! {
                            <button class="small" data-testid="read-file" title=shown on:click=move |_| sim.run(&line)>
                                "Read"
                            </button>
                        }
                    });
                    view! { <li><code>{f.path.clone()}</code>" "<span class="preview">{f.preview.clone()}</span>" "{read}</li> }
                })
                .collect_view();
            view! {
                <li class="storage-item" data-testid="storage-item" data-kind=s.kind.clone()>
                    <div class="storage-head">
                        <strong>{if s.kind == "layer" { "writable layer".to_string() } else { s.kind.clone() }}</strong>
                        " "
                        <span>{s.name.clone()}</span>
                        {write}
                    </div>
                    <div class="storage-meta">
                        {format!("{} · lives with the {}", s.backing, s.lives_with)}
                    </div>
                    <div class="storage-meta">{s.mounts.join(", ")}</div>
                    <ul class="files">{files}</ul>
                </li>
            }
        })
        .collect_view();
    view! {
        <h3 class="inspector-h3">"Storage"</h3>
        <ul class="storage">{items}</ul>
    }
}

/// Where a file can be written in this storage: the first read-write mount (container, path),
/// or /tmp in a container's own layer.
fn writable_path(s: &StorageView) -> Option<(String, String)> {
    if s.kind == "layer" {
        return Some((s.name.clone(), "/tmp".into()));
    }
    s.mounts.iter().find(|m| !m.ends_with(" (ro)")).and_then(|m| {
        let (c, path) = m.split_once(':')?;
        Some((c.to_string(), path.to_string()))
    })
}

/// The selected PersistentVolume: its claim, phase, where it is attached, and its files.
#[component]
pub fn VolumeInspector() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let volume = Memo::new(move |_| {
        let name = sim.selected_volume.get()?;
        sim.view.with(|v| v.volumes.iter().find(|x| x.name == name).cloned())
    });
    view! {
        <Show when=move || volume.get().is_some()>
            {move || {
                volume.get().map(|v| {
                    let files = v
                        .files
                        .iter()
                        .map(|f| view! { <li><code>{f.path.clone()}</code>" "<span class="preview">{f.preview.clone()}</span></li> })
                        .collect_view();
                    view! {
                        <aside class="inspector" data-testid="volume-inspector" aria-label="Selected volume">
                            <header>
                                <h2>{v.name.clone()}</h2>
                                {crate::inspectors::close_button(sim.selected_volume)}
                            </header>
                            <dl>
                                <dt>"Claim"</dt><dd>{if v.claim.is_empty() { "<none>".to_string() } else { v.claim.clone() }}</dd>
                                <dt>"Phase"</dt><dd>{v.phase.clone()}</dd>
                                <dt>"Class"</dt><dd>{v.storage_class.clone()}</dd>
                                <dt>"Size"</dt><dd>{format!("{} {}", v.capacity, v.access_modes)}</dd>
                                <dt>"Reclaim"</dt><dd>{v.reclaim_policy.clone()}</dd>
                                <dt>"Backing"</dt><dd>{v.backing.clone()}</dd>
                                <dt>"Attached"</dt><dd>{if v.attached_to.is_empty() { "nowhere".to_string() } else { v.attached_to.join(", ") }}</dd>
                            </dl>
                            <h3 class="inspector-h3">"Files"</h3>
                            <ul class="files">{files}</ul>
                        </aside>
                    }
                })
            }}
        </Show>
    }
}
