//! The console panel: every line the page runs (the learner's own and each click's), with its
//! answer, and a prompt to type more.

use leptos::html::{Div, Input};
use leptos::prelude::*;

use crate::state::Sim;

#[component]
pub fn ConsolePanel() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let input: NodeRef<Input> = NodeRef::new();
    let scroller: NodeRef<Div> = NodeRef::new();

    // Keep the newest exchange in view: touching the DOM's scroll position is an effect.
    Effect::new(move |_| {
        sim.console.track();
        if let Some(el) = scroller.get() {
            el.set_scroll_top(el.scroll_height());
        }
    });

    // The lines typed here, oldest first, and where Up/Down has got to (None: a fresh line).
    let history: StoredValue<Vec<String>> = StoredValue::new(Vec::new());
    let cursor: StoredValue<Option<usize>> = StoredValue::new(None);

    // What Tab offered last, when it could not choose one: shown under the prompt.
    let offered: RwSignal<Vec<String>> = RwSignal::new(Vec::new());

    let submit = move || {
        let Some(el) = input.get() else { return };
        let line = el.value();
        if line.trim().is_empty() {
            return;
        }
        el.set_value("");
        history.update_value(|h| {
            if h.last() != Some(&line) {
                h.push(line.clone());
            }
        });
        cursor.set_value(None);
        offered.set(Vec::new());
        sim.run(&line);
    };

    // Several lines pasted at once run one after the other, as a terminal runs them (an input
    // would join them into one); core says where each command ends (a here-document or a loop
    // spans lines).
    let on_paste = move |ev: web_sys::ClipboardEvent| {
        let Some(text) = ev.clipboard_data().and_then(|d| d.get_data("text/plain").ok()) else { return };
        if !text.trim_end().contains('\n') {
            return;
        }
        ev.prevent_default();
        let Some(el) = input.get() else { return };
        let typed = el.value();
        el.set_value("");
        offered.set(Vec::new());
        cursor.set_value(None);
        for (_, line) in podscape_core::shell::commands(&format!("{typed}{text}")) {
            history.update_value(|h| {
                if h.last() != Some(&line) {
                    h.push(line.clone());
                }
            });
            sim.run(&line);
        }
    };

    // Up and Down walk the typed lines, as a shell's history does; Tab completes the last word
    // (on an empty prompt Tab moves focus on, so the page stays keyboard-navigable).
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let Some(el) = input.get() else { return };
        if ev.key() == "Tab" && !ev.shift_key() && !el.value().is_empty() {
            ev.prevent_default();
            let line = el.value();
            let done = sim.complete(&line);
            let word_len = line.len() - done.start;
            match done.candidates.as_slice() {
                [] => offered.set(Vec::new()),
                [one] => {
                    let space = if one.ends_with('/') { "" } else { " " };
                    el.set_value(&format!("{}{one}{space}", &line[..done.start]));
                    offered.set(Vec::new());
                }
                many => {
                    let prefix = done.common_prefix();
                    if prefix.len() > word_len {
                        el.set_value(&format!("{}{prefix}", &line[..done.start]));
                        offered.set(Vec::new());
                    } else {
                        offered.set(many.to_vec());
                    }
                }
            }
            return;
        }
        if !offered.with_untracked(Vec::is_empty) {
            offered.set(Vec::new());
        }
        let len = history.with_value(Vec::len);
        let next = match (ev.key().as_str(), cursor.get_value()) {
            ("ArrowUp", None) if len > 0 => Some(len - 1),
            ("ArrowUp", Some(i)) => Some(i.saturating_sub(1)),
            ("ArrowDown", Some(i)) if i + 1 < len => Some(i + 1),
            ("ArrowDown", Some(_)) => {
                cursor.set_value(None);
                el.set_value("");
                ev.prevent_default();
                return;
            }
            _ => return,
        };
        ev.prevent_default();
        cursor.set_value(next);
        if let Some(line) = next.and_then(|i| history.with_value(|h| h.get(i).cloned())) {
            el.set_value(&line);
        }
    };

    let editor_open = RwSignal::new(false);

    view! {
        <section class="console" aria-label="Console">
            <div class="console-log" node_ref=scroller role="log" aria-live="polite">
                <p class="console-welcome">
                    "This cluster is live. Click a pod to delete it and watch its ReplicaSet replace it: the "
                    "Service keeps its IP while its endpoints follow the pods. Every click shows its kubectl "
                    "line here; type your own below, e.g. "
                    <code>"kubectl get pods -o wide"</code>
                    " or "
                    <code>"kubectl get endpointslices"</code>
                    ". Tab completes verbs, types and names; Up and Down recall earlier lines."
                </p>
                <For
                    each=move || sim.console.get()
                    key=|e| e.id
                    children=|e| {
                        view! {
                            <div class="exchange" class:failed=!e.ok class:replayed=e.replayed data-testid="console-line" title=e.replayed.then_some("Replayed from your saved work")>
                                <div class="prompt">
                                    <span class="sigil" aria-hidden="true">{e.prompt.clone()}</span>
                                    <code>{e.line.clone()}</code>
                                </div>
                                <pre class="stdout">{e.stdout.clone()}</pre>
                                <pre class="stderr">{e.stderr.clone()}</pre>
                            </div>
                        }
                    }
                />
            </div>
            <form
                class="console-input"
                on:submit=move |ev| {
                    ev.prevent_default();
                    submit();
                }
            >
                <label for="console-line" class="visually-hidden">"Console line"</label>
                <span class="sigil" aria-hidden="true" data-testid="console-prompt">
                    {move || sim.prompt.get().trim_end().to_string()}
                </span>
                <input
                    id="console-line"
                    data-testid="console-input"
                    node_ref=input
                    type="text"
                    autocomplete="off"
                    spellcheck="false"
                    placeholder="kubectl get pods -o wide"
                    on:keydown=on_key
                    on:paste=on_paste
                />
                <button
                    type="button"
                    class="small"
                    data-testid="open-manifest"
                    aria-expanded=move || editor_open.get().to_string()
                    on:click=move |_| editor_open.update(|o| *o = !*o)
                >
                    "YAML…"
                </button>
            </form>
            <Show when=move || !offered.with(Vec::is_empty)>
                <p class="completions" data-testid="completions" role="status">
                    {move || offered.get().join("  ")}
                </p>
            </Show>
            <Show when=move || editor_open.get()>
                <ManifestEditor on_done=move || editor_open.set(false)/>
            </Show>
        </section>
    }
}

/// Paste or upload a manifest, then apply it: the text is kept under a name, and the console runs
/// `kubectl apply -f NAME` (so the line, its answer and the command log are the same as typing it).
#[component]
fn ManifestEditor(on_done: impl Fn() + Copy + 'static) -> impl IntoView {
    let sim = expect_context::<Sim>();
    let text: NodeRef<leptos::html::Textarea> = NodeRef::new();
    let name = RwSignal::new("manifest.yaml".to_string());
    let apply = move || {
        let Some(el) = text.get() else { return };
        let body = el.value();
        if body.trim().is_empty() {
            return;
        }
        let file = name.get_untracked();
        sim.add_file(&file, body);
        sim.run(&format!("kubectl apply -f {file}"));
        on_done();
    };
    // Reading an uploaded file is the outside world: a promise, awaited in a task.
    let upload = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(t).ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        name.set(file.name());
        leptos::task::spawn_local(async move {
            let Ok(content) = wasm_bindgen_futures::JsFuture::from(file.text()).await else { return };
            if let (Some(el), Some(s)) = (text.get_untracked(), content.as_string()) {
                el.set_value(&s);
            }
        });
    };
    view! {
        <div class="manifest-editor" role="dialog" aria-label="Apply a manifest" data-testid="manifest-editor">
            <textarea
                node_ref=text
                data-testid="manifest-text"
                spellcheck="false"
                rows="10"
                placeholder="apiVersion: v1\nkind: Pod\n…  (YAML or JSON, several documents with ---)"
            ></textarea>
            <div class="manifest-actions">
                <label class="file">
                    "Upload "
                    <input type="file" accept=".yaml,.yml,.json" data-testid="manifest-file" on:change=upload/>
                </label>
                <span class="manifest-name">{move || name.get()}</span>
                <button type="button" on:click=move |_| on_done()>"Cancel"</button>
                <button type="button" class="primary" data-testid="manifest-apply" on:click=move |_| apply()>
                    "Apply"
                </button>
            </div>
        </div>
    }
}
