//! Inspectors for nodes and Services, and the parts every inspector shares: the Events about the
//! object and its YAML. Each button is a console line, shown in the console when clicked.

use leptos::prelude::*;
use podscape_core::api::Kind;
use podscape_core::view::EventView;

use crate::state::Sim;

/// The height of a node box's clickable header.
pub const NODE_HEADER_HIT: f64 = 30.0;

/// The selected node: its state and the machine behind it, with cordon, drain, fail and recover.
#[component]
pub fn NodeInspector() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let node = Memo::new(move |_| {
        let name = sim.selected_node.get()?;
        sim.view.with(|v| v.nodes.iter().find(|n| n.name == name).map(|n| (n.clone(), n.pods.len())))
    });
    view! {
        <Show when=move || node.get().is_some()>
            {move || {
                node.get().map(|(n, pods)| {
                    let name = n.name.clone();
                    let cordon = if n.unschedulable {
                        (format!("kubectl uncordon {name}"), "Uncordon")
                    } else {
                        (format!("kubectl cordon {name}"), "Cordon")
                    };
                    let machine = if n.machine == "running" {
                        (format!("sim fail node {name}"), "Fail node")
                    } else {
                        (format!("sim recover node {name}"), "Recover node")
                    };
                    let drain = format!("kubectl drain {name} --ignore-daemonsets --delete-emptydir-data");
                    view! {
                        <aside class="inspector" data-testid="node-inspector" aria-label="Selected node">
                            <header>
                                <h2>{format!("node/{name}")}</h2>
                                {close_button(sim.selected_node)}
                            </header>
                            <dl>
                                <dt>"Status"</dt><dd>{n.status.clone()}</dd>
                                <dt>"Machine"</dt><dd>{n.machine.clone()}</dd>
                                <dt>"IP"</dt><dd>{n.internal_ip.clone()}</dd>
                                <dt>"Pod CIDR"</dt><dd>{n.pod_cidr.clone()}</dd>
                                <dt>"Pods"</dt><dd>{pods}</dd>
                            </dl>
                            // hostPath volumes write to the node's own disk: their files stay with
                            // the node, whatever happens to the pods.
                            {(n.disk_files > 0).then(|| {
                                let files = n
                                    .disk
                                    .iter()
                                    .map(|f| view! { <li><code>{f.path.clone()}</code>" "<span class="preview">{f.preview.clone()}</span></li> })
                                    .collect_view();
                                let more = n.disk_files.saturating_sub(n.disk.len());
                                view! {
                                    <h3 class="inspector-h3">"Files on the node's disk (hostPath)"</h3>
                                    <ul class="files" data-testid="node-disk-files">{files}</ul>
                                    {(more > 0).then(|| view! { <p class="muted">{format!("and {more} more")}</p> })}
                                }
                            })}
                            <div class="actions">
                                {action(sim, "node-cordon", cordon.0, cordon.1, "")}
                                {action(sim, "node-drain", drain, "Drain", "")}
                                {action(sim, "node-fail", machine.0, machine.1, "danger")}
                            </div>
                            <Details kind=Kind::Node namespace=String::new() name=name.clone()/>
                        </aside>
                    }
                })
            }}
        </Show>
    }
}

/// The selected Service: its addresses and endpoints, and traffic to start and stop.
#[component]
pub fn ServiceInspector() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let service = Memo::new(move |_| {
        let key = sim.selected_service.get()?;
        sim.view.with(|v| {
            let s = v.services.iter().find(|s| format!("{}/{}", s.namespace, s.name) == key)?.clone();
            let port = s.ports.split(['/', ':']).next().unwrap_or("80").to_string();
            let url = if port == "80" { format!("http://{}", s.name) } else { format!("http://{}:{port}", s.name) };
            // Clients: the Deployments the Service does not select.
            let clients: Vec<(String, Option<u32>)> = v
                .deployments
                .iter()
                .filter(|d| d.namespace == s.namespace && d.selector != s.selector)
                .map(|d| (d.name.clone(), d.traffic.iter().find(|(_, u)| *u == url).map(|(id, _)| *id)))
                .collect();
            Some((s, url, clients))
        })
    });
    view! {
        <Show when=move || service.get().is_some()>
            {move || {
                service.get().map(|(s, url, clients)| {
                    let endpoints = s
                        .endpoints
                        .iter()
                        .map(|e| {
                            let state = if e.ready {
                                "ready"
                            } else if e.serving && e.terminating {
                                "serving, terminating"
                            } else if e.terminating {
                                "terminating"
                            } else {
                                "not ready"
                            };
                            view! { <li><code>{e.ip.clone()}</code>" "{e.pod_name.clone()}" · "{state}</li> }
                        })
                        .collect_view();
                    let traffic = clients
                        .into_iter()
                        .map(|(client, running)| match running {
                            Some(id) => action(sim, "traffic-stop", format!("sim traffic stop {id}"), "Stop traffic", ""),
                            None => action(
                                sim,
                                "traffic-start",
                                format!("sim traffic deploy/{client} {url} --rate 2"),
                                &format!("Traffic from {client}"),
                                "",
                            ),
                        })
                        .collect_view();
                    view! {
                        <aside class="inspector" data-testid="service-inspector" aria-label="Selected Service">
                            <header>
                                <h2>{format!("svc/{}", s.name)}</h2>
                                {close_button(sim.selected_service)}
                            </header>
                            <dl>
                                <dt>"Type"</dt><dd>{s.type_.clone()}</dd>
                                <dt>"ClusterIP"</dt><dd>{s.cluster_ip.clone()}</dd>
                                <dt>"Ports"</dt><dd>{s.ports.clone()}</dd>
                                <dt>"Selector"</dt><dd>{s.selector.clone()}</dd>
                            </dl>
                            <h3 class="inspector-h3">"Endpoints"</h3>
                            <ul class="plain">{endpoints}</ul>
                            <div class="actions">{traffic}</div>
                            <Details kind=Kind::Service namespace=s.namespace.clone() name=s.name.clone()/>
                        </aside>
                    }
                })
            }}
        </Show>
    }
}

/// A button that runs `line` (shown as its tooltip, so the learner sees the kubectl it stands for).
pub fn action(sim: Sim, testid: &'static str, line: String, label: &str, class: &'static str) -> impl IntoView + use<> {
    let title = line.clone();
    view! {
        <button class=class data-testid=testid title=title on:click=move |_| run_in_place(sim, &line, format!("[data-testid=\"{testid}\"]"))>
            {label.to_string()}
        </button>
    }
}

/// Runs `line` from an inspector's button and gives keyboard focus back to the button that
/// `button` (a CSS selector) finds in the redrawn inspector, or leaves it on the map if the button
/// is gone.
pub fn run_in_place(sim: Sim, line: &str, button: String) {
    park_focus();
    sim.run(line);
    // After the redraw: the page's effects are queued before this task.
    leptos::task::spawn_local(async move {
        if let Some(el) = document().query_selector(&format!(".side {button}")).ok().flatten() {
            focus_quietly(&el);
        }
    });
}

/// An inspector's close button: it clears the selection that opens the inspector, with the
/// keyboard focus moved to the map first.
pub fn close_button(selection: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <button class="close" aria-label="Close" on:click=move |_| { park_focus(); selection.set(None) }>"×"</button>
    }
}

/// Moves keyboard focus to the map before an inspector is redrawn or closed. A focused element
/// that is removed sends focus to the page's start (a keyboard user loses their place), and the
/// browser lays the whole page out again on the spot to do so: at 2,000 pods, most of a click.
pub fn park_focus() {
    if let Some(map) = document().query_selector("section.map").ok().flatten() {
        focus_quietly(&map);
    }
}

/// Focuses `el` without scrolling it into view (which would also lay the page out at once).
fn focus_quietly(el: &web_sys::Element) {
    use wasm_bindgen::JsCast;
    if let Some(el) = el.dyn_ref::<web_sys::HtmlElement>() {
        let options = web_sys::FocusOptions::new();
        options.set_prevent_scroll(true);
        let _ = el.focus_with_options(&options);
    }
}

/// The Events about an object and, one click away, its YAML (as `kubectl get -o yaml` prints it).
#[component]
pub fn Details(kind: Kind, namespace: String, name: String) -> impl IntoView {
    let sim = expect_context::<Sim>();
    let events = {
        let name = name.clone();
        // Re-read when the view changes (time moved, a line ran).
        Memo::new(move |_| {
            sim.view.track();
            sim.events_about(kind, &name)
        })
    };
    let yaml_open = RwSignal::new(false);
    let yaml = move || {
        sim.view.track();
        yaml_open.get().then(|| sim.yaml_of(kind, &namespace, &name))
    };
    view! {
        <h3 class="inspector-h3">"Events"</h3>
        <Show when=move || !events.with(Vec::is_empty) fallback=|| view! { <p class="muted">"No events."</p> }>
            <ul class="events plain" data-testid="inspector-events">
                <For each=move || events.get() key=|e| e.key.clone() children=event_item/>
            </ul>
        </Show>
        <button
            class="small"
            data-testid="show-yaml"
            aria-expanded=move || yaml_open.get().to_string()
            on:click=move |_| yaml_open.update(|o| *o = !*o)
        >
            {move || if yaml_open.get() { "Hide YAML" } else { "YAML" }}
        </button>
        {move || yaml().map(|y| view! { <pre class="yaml" data-testid="inspector-yaml">{y}</pre> })}
    }
}

pub fn event_item(e: EventView) -> impl IntoView {
    let class = if e.type_ == "Warning" { "event warning" } else { "event" };
    let count = if e.count > 1 { format!(" (x{})", e.count) } else { String::new() };
    let time = e.last_seen.get(11..19).unwrap_or("").to_string();
    view! {
        <li class=class data-testid="event" data-reason=e.reason.clone()>
            <span class="event-time">{time}</span>
            " "
            <span class="event-reason">{e.reason.clone()}</span>
            " "
            <span class="event-object">{e.object.clone()}</span>
            {count}
            <div class="event-message">{e.message.clone()}</div>
        </li>
    }
}
