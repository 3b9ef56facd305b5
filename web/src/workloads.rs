//! The Deployments above the map, with what a learner does to one: scale it, roll out a new
//! image, expose it behind a Service. And the event log under the map. Every button is a console
//! line, so each click teaches the kubectl it stands for.

use leptos::prelude::*;
use podscape_core::view::DeploymentView;

use crate::inspectors::event_item;
use crate::state::Sim;

/// Which form is open on which Deployment card.
#[derive(Clone, PartialEq)]
enum Form {
    Image(String),
    Expose(String),
}

#[component]
pub fn Workloads() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let deployments = Memo::new(move |_| sim.view.with(|v| v.deployments.clone()));
    let form: RwSignal<Option<Form>> = RwSignal::new(None);
    view! {
        <section class="workloads" aria-label="Deployments and storage">
            <For
                each=move || deployments.get()
                key=|d| {
                    let rss: String = d.replica_sets.iter().map(|r| format!("{}:{}:{}:{};", r.name, r.replicas, r.ready, r.current)).collect();
                    format!("{}/{}|{}|{}|{}|{}|{}|{rss}", d.namespace, d.name, d.replicas, d.ready, d.updated, d.image, d.exposed)
                }
                children=move |d| deployment_card(sim, form, d)
            />
            <StorageCard/>
        </section>
    }
}

fn ns_flag(d: &DeploymentView) -> String {
    if d.namespace == "default" { String::new() } else { format!(" -n {}", d.namespace) }
}

fn deployment_card(sim: Sim, form: RwSignal<Option<Form>>, d: DeploymentView) -> impl IntoView {
    let ns = ns_flag(&d);
    let name = d.name.clone();
    let scale = move |by: i32| {
        let n = (d.replicas + by).max(0);
        let line = format!("kubectl scale deployment {name}{ns} --replicas={n}");
        move |_| sim.run(&line)
    };
    let image_form = Form::Image(d.name.clone());
    let expose_form = Form::Expose(d.name.clone());
    let image_open = {
        let f = image_form.clone();
        Memo::new(move |_| form.get().as_ref() == Some(&f))
    };
    let expose_open = {
        let f = expose_form.clone();
        Memo::new(move |_| form.get().as_ref() == Some(&f))
    };
    let toggle =
        move |f: Form| move |_| form.update(|cur| *cur = if cur.as_ref() == Some(&f) { None } else { Some(f.clone()) });
    let short_image = d.image.rsplit('/').next().unwrap_or(&d.image).to_string();
    let status = format!("{}/{} ready", d.ready, d.replicas);
    let d2 = d.clone();
    let d3 = d.clone();
    // Pointing at the card (mouse or keyboard focus) brings out its pods on the map; pointing at
    // a ReplicaSet line, that ReplicaSet's pods.
    let point = {
        let name = d.name.clone();
        move |replica_set: Option<String>| {
            let group = Some(crate::state::Group { deployment: name.clone(), replica_set });
            if sim.group.with_untracked(|g| g != &group) {
                sim.group.set(group);
            }
        }
    };
    let (point_card, point_focus) = (point.clone(), point.clone());
    let leave = move || sim.group.set(None);
    // A card redrawn under the pointer (its counts changed) gets no leave event: the group is
    // forgotten with the card, and the next pointing sets it again.
    on_cleanup(move || {
        let _ = sim.group.try_set(None);
    });
    view! {
        <article
            class="deployment"
            data-testid="deployment"
            data-name=d.name.clone()
            style:--hue=crate::cluster_map::hue(&d.name).to_string()
            on:mouseenter=move |_| point_card(None)
            on:mouseleave=move |_| leave()
            on:focusin=move |_| point_focus(None)
            on:focusout=move |_| leave()
        >
            <header>
                <h2>{format!("deploy/{}", d.name)}</h2>
                <span class="deployment-status" data-testid="deployment-status">{status}</span>
            </header>
            <p class="deployment-image" title=d.image.clone()>{short_image}</p>
            <ul class="plain replicasets" aria-label="ReplicaSets">
                {d.replica_sets.iter().map(|rs| {
                    let image = rs.image.rsplit('/').next().unwrap_or(&rs.image).to_string();
                    let (point_rs, point_back, rs_name) = (point.clone(), point.clone(), rs.name.clone());
                    view! {
                        <li
                            class:current=rs.current
                            data-testid="replicaset"
                            data-name=rs.name.clone()
                            data-current=rs.current.to_string()
                            on:mouseenter=move |_| point_rs(Some(rs_name.clone()))
                            on:mouseleave=move |_| point_back(None)
                        >
                            <code>{format!("rs/{}", rs.name.rsplit('-').next().unwrap_or(&rs.name))}</code>
                            {format!(" rev {} · {}/{} · {image}{}", rs.revision, rs.ready, rs.replicas, if rs.current { "" } else { " · old" })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <div class="actions">
                <button class="small" data-testid="scale-down" aria-label=format!("Scale {} down", d.name) title=format!("kubectl scale deployment {} --replicas={}", d.name, (d.replicas - 1).max(0)) on:click=scale(-1)>"−"</button>
                <button class="small" data-testid="scale-up" aria-label=format!("Scale {} up", d.name) title=format!("kubectl scale deployment {} --replicas={}", d.name, d.replicas + 1) on:click=scale(1)>"+"</button>
                <button class="small" data-testid="set-image" aria-expanded=move || image_open.get().to_string() on:click=toggle(image_form.clone())>"Image…"</button>
                {(!d.exposed).then(|| view! {
                    <button class="small" data-testid="expose" aria-expanded=move || expose_open.get().to_string() on:click=toggle(expose_form.clone())>"Expose…"</button>
                })}
            </div>
            <Show when=move || image_open.get()>{image_editor(sim, form, d2.clone())}</Show>
            <Show when=move || expose_open.get()>{expose_dialog(sim, form, d3.clone())}</Show>
        </article>
    }
}

/// `kubectl set image deployment/NAME CONTAINER=IMAGE`: a rollout to a new image.
fn image_editor(sim: Sim, form: RwSignal<Option<Form>>, d: DeploymentView) -> impl IntoView {
    let image = RwSignal::new(d.image.clone());
    let line =
        move || format!("kubectl set image deployment/{}{} {}={}", d.name, ns_flag(&d), d.container, image.get());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        sim.run(&line());
        form.set(None);
    };
    view! {
        <form class="card-form" data-testid="image-form" on:submit=submit>
            <label>
                "Image"
                <input data-testid="image-input" type="text" prop:value=move || image.get() on:input=move |ev| image.set(event_target_value(&ev))/>
            </label>
            <button type="submit" class="small primary">"Roll out"</button>
        </form>
    }
}

/// `kubectl expose deployment NAME --port=P --target-port=T --type=TYPE --name=N`.
fn expose_dialog(sim: Sim, form: RwSignal<Option<Form>>, d: DeploymentView) -> impl IntoView {
    let name = RwSignal::new(d.name.clone());
    let port = RwSignal::new("80".to_string());
    let target = RwSignal::new(String::new());
    let type_ = RwSignal::new("ClusterIP".to_string());
    let line = Memo::new(move |_| {
        let mut l = format!("kubectl expose deployment {}{} --port={}", d.name, ns_flag(&d), port.get().trim());
        let t = target.get();
        if !t.trim().is_empty() {
            l.push_str(&format!(" --target-port={}", t.trim()));
        }
        if type_.get() != "ClusterIP" {
            l.push_str(&format!(" --type={}", type_.get()));
        }
        if name.get().trim() != d.name {
            l.push_str(&format!(" --name={}", name.get().trim()));
        }
        l
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        sim.run(&line.get_untracked());
        form.set(None);
    };
    view! {
        <form class="card-form" data-testid="expose-form" aria-label="Expose as a Service" on:submit=submit>
            {field("Name", "expose-name", name, "")}
            {field("Port", "expose-port", port, "80")}
            {field("Target port", "expose-target-port", target, "the container's port")}
            <label>
                "Type"
                <select data-testid="expose-type" on:change=move |ev| type_.set(event_target_value(&ev))>
                    <option value="ClusterIP" selected=true>"ClusterIP"</option>
                    <option value="NodePort">"NodePort"</option>
                    <option value="LoadBalancer">"LoadBalancer"</option>
                </select>
            </label>
            <code class="card-line">{move || line.get()}</code>
            <button type="submit" class="small primary" data-testid="expose-submit">"Expose"</button>
        </form>
    }
}

/// A labelled text field of a card's form, bound to `value`.
fn field(
    label: &'static str,
    testid: &'static str,
    value: RwSignal<String>,
    placeholder: &'static str,
) -> impl IntoView {
    view! {
        <label>
            {label}
            <input data-testid=testid type="text" placeholder=placeholder prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
        </label>
    }
}

/// The newest Kubernetes Events, as they happen (what `kubectl get events` lists).
#[component]
pub fn EventLog() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let events = Memo::new(move |_| sim.view.with(|v| v.events.iter().rev().take(30).cloned().collect::<Vec<_>>()));
    view! {
        <details class="event-log" open=true>
            <summary>"Events"</summary>
            <ul class="events plain" data-testid="event-log" aria-live="off">
                <For each=move || events.get() key=|e| e.key.clone() children=event_item/>
            </ul>
        </details>
    }
}

/// The claims and the classes that provision for them, and a form that writes a new claim's
/// manifest and applies it (`kubectl apply -f claim-NAME.yaml`), so the learner sees the YAML too.
#[component]
fn StorageCard() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let claims = Memo::new(move |_| sim.view.with(|v| v.claims.clone()));
    let classes = Memo::new(move |_| sim.view.with(|v| v.storage_classes.clone()));
    let open = RwSignal::new(false);
    let name = RwSignal::new("data".to_string());
    let size = RwSignal::new("1Gi".to_string());
    let mode = RwSignal::new("ReadWriteOnce".to_string());
    let class = RwSignal::new(String::new());
    let manifest = Memo::new(move |_| {
        let class_line = match class.get() {
            c if c.is_empty() => String::new(),
            c => format!("  storageClassName: {c}\n"),
        };
        format!(
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: {}\nspec:\n  accessModes:\n  - {}\n{class_line}  resources:\n    requests:\n      storage: {}\n",
            name.get().trim(),
            mode.get(),
            size.get().trim()
        )
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let file = format!("claim-{}.yaml", name.get_untracked().trim());
        sim.add_file(&file, manifest.get_untracked());
        sim.run(&format!("kubectl apply -f {file}"));
        open.set(false);
    };
    view! {
        <article class="deployment storage-card" data-testid="storage-card" style:--hue="140">
            <header>
                <h2>"Storage"</h2>
                <button class="small" data-testid="new-claim" aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
                    "New claim…"
                </button>
            </header>
            <ul class="plain claims">
                <For
                    each=move || claims.get()
                    key=|c| format!("{}/{}|{}|{}|{}", c.namespace, c.name, c.phase, c.capacity, c.used_by.join(","))
                    children=|c| {
                        let size = if c.capacity.is_empty() { c.request.clone() } else { c.capacity.clone() };
                        let used = if c.used_by.is_empty() { String::new() } else { format!(" · used by {}", c.used_by.join(", ")) };
                        view! {
                            <li data-testid="claim" data-name=c.name.clone() data-phase=c.phase.clone()>
                                <code>{format!("pvc/{}", c.name)}</code>
                                {format!(" {} {size} {} {}{used}", c.phase, c.access_modes, c.storage_class)}
                            </li>
                        }
                    }
                />
                <For
                    each=move || classes.get()
                    key=|c| c.name.clone()
                    children=|c| view! {
                        <li class="muted">
                            <code>{format!("sc/{}", c.name)}</code>
                            {format!("{} · {} · {}", if c.default { " (default)" } else { "" }, c.binding_mode, c.reclaim_policy)}
                        </li>
                    }
                />
            </ul>
            <Show when=move || open.get()>
                <form class="card-form" data-testid="claim-form" aria-label="New PersistentVolumeClaim" on:submit=submit>
                    {field("Name", "claim-name", name, "")}
                    {field("Size", "claim-size", size, "1Gi")}
                    <label>
                        "Access mode"
                        <select data-testid="claim-mode" on:change=move |ev| mode.set(event_target_value(&ev))>
                            <option value="ReadWriteOnce" selected=true>"ReadWriteOnce"</option>
                            <option value="ReadWriteMany">"ReadWriteMany"</option>
                            <option value="ReadWriteOncePod">"ReadWriteOncePod"</option>
                            <option value="ReadOnlyMany">"ReadOnlyMany"</option>
                        </select>
                    </label>
                    <label>
                        "Class"
                        <select data-testid="claim-class" on:change=move |ev| class.set(event_target_value(&ev))>
                            <option value="" selected=true>"(the default)"</option>
                            {move || classes.get().into_iter().map(|c| view! { <option value=c.name.clone()>{c.name.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                    <pre class="card-line">{move || manifest.get()}</pre>
                    <button type="submit" class="small primary" data-testid="claim-submit">"Apply"</button>
                </form>
            </Show>
        </article>
    }
}
