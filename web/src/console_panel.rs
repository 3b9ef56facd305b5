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

    let submit = move || {
        let Some(el) = input.get() else { return };
        let line = el.value();
        if line.trim().is_empty() {
            return;
        }
        el.set_value("");
        sim.run(&line);
    };

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
                    "."
                </p>
                <For
                    each=move || sim.console.get()
                    key=|e| e.id
                    children=|e| {
                        view! {
                            <div class="exchange" class:failed=!e.ok data-testid="console-line">
                                <div class="prompt">
                                    <span class="sigil" aria-hidden="true">"$ "</span>
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
                <span class="sigil" aria-hidden="true">"$"</span>
                <input
                    id="console-line"
                    data-testid="console-input"
                    node_ref=input
                    type="text"
                    autocomplete="off"
                    spellcheck="false"
                    placeholder="kubectl get pods -o wide"
                />
            </form>
        </section>
    }
}
