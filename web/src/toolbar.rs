//! The toolbar: the simulated time and the clock's controls.

use leptos::prelude::*;

use crate::state::Sim;

#[component]
pub fn Toolbar() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let time = move || sim.view.with(|v| v.time.replace('T', " ").replace('Z', " UTC"));
    let toggle = move |_| sim.playing.update(|p| *p = !*p);
    view! {
        <header class="toolbar">
            <h1 class="brand">"Podscape"</h1>
            <div class="clock" role="group" aria-label="Simulation clock">
                <button
                    class="play"
                    data-testid="play"
                    aria-pressed=move || sim.playing.get().to_string()
                    on:click=toggle
                >
                    {move || {
                        if sim.playing.get() {
                            view! {
                                <svg viewBox="0 0 10 10" aria-hidden="true"><rect x="1" y="1" width="3" height="8"/><rect x="6" y="1" width="3" height="8"/></svg>
                                "Pause"
                            }
                                .into_any()
                        } else {
                            view! {
                                <svg viewBox="0 0 10 10" aria-hidden="true"><polygon points="2,1 9,5 2,9"/></svg>
                                "Play"
                            }
                                .into_any()
                        }
                    }}
                </button>
                <button data-testid="step" title="sim step: jump to the next scheduled event" on:click=move |_| sim.run("sim step")>
                    "Step"
                </button>
                <label class="speed">
                    "Speed "
                    <select
                        data-testid="speed"
                        prop:value=move || sim.speed.get().to_string()
                        on:change=move |ev| {
                            if let Ok(n) = event_target_value(&ev).parse::<u32>() {
                                sim.speed.set(n);
                            }
                        }
                    >
                        <option value="1">"1×"</option>
                        <option value="4">"4×"</option>
                        <option value="16">"16×"</option>
                    </select>
                </label>
                <time class="sim-time" data-testid="sim-time">{time}</time>
                <button data-testid="reset" title="Start again from the cluster the page opened with" on:click=move |_| sim.reset()>
                    "Reset"
                </button>
            </div>
            <div class="keep" role="group" aria-label="Your work">
                <button
                    data-testid="save-file"
                    title="Download this cluster's history (its commands and where the lesson is) to open later"
                    on:click=move |_| download("podscape-cluster.json", "application/json", &sim.history().to_json())
                >
                    "Save file"
                </button>
                <label class="button" data-testid="open-file-label" title="Open a cluster saved with Save file">
                    "Open file…"
                    <input
                        type="file"
                        class="visually-hidden"
                        data-testid="open-file"
                        accept=".json,application/json"
                        on:change=move |ev| {
                            use wasm_bindgen::JsCast;
                            let input = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
                            let Some(file) = input.as_ref().and_then(|i| i.files()).and_then(|f| f.get(0)) else { return };
                            if let Some(i) = input {
                                i.set_value("");
                            }
                            leptos::task::spawn_local(async move {
                                let text = wasm_bindgen_futures::JsFuture::from(file.text()).await.ok().and_then(|t| t.as_string());
                                crate::app::open_file(sim, text.unwrap_or_default()).await;
                            });
                        }
                    />
                </label>
            </div>
            <button class="export" data-testid="export" title="sim export: your objects as YAML for kubectl apply -f on a real cluster" on:click=move |_| download("podscape-export.yaml", "application/yaml", &sim.export())>
                "Export YAML"
            </button>
        </header>
    }
}

/// Hands `text` to the browser as a file download: a Blob URL on a temporary link, clicked.
fn download(name: &str, mime: &str, text: &str) {
    use wasm_bindgen::JsCast;
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let parts = js_sys_array(text);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    if let Some(a) = document.create_element("a").ok().and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok()) {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// A one-element JavaScript array holding `text`, as Blob's constructor wants its parts.
fn js_sys_array(text: &str) -> wasm_bindgen::JsValue {
    let array = js_sys::Array::new();
    array.push(&wasm_bindgen::JsValue::from_str(text));
    array.into()
}
