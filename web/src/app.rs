//! The page's frame: toolbar, the cluster map, the console; and the simulation clock.

use gloo_timers::callback::Interval;
use leptos::prelude::*;
use podscape_core::{Config, SimDuration};

use crate::cluster_map::{ClusterMap, PodInspector, VolumeInspector};
use crate::console_panel::ConsolePanel;
use crate::inspectors::{NodeInspector, ServiceInspector};
use crate::lesson_panel::LessonPanel;
use crate::state::Sim;
use crate::toolbar::Toolbar;
use crate::workloads::{EventLog, Workloads};

/// Real milliseconds between clock ticks; each tick moves simulated time by this times the speed.
const TICK_MS: u32 = 100;

#[component]
pub fn App() -> impl IntoView {
    let sim = Sim::new(Config::default());
    provide_context(sim);
    // `?scenario=NAME|URL` opens a lesson beside the cluster; `&embed=1` gives course iframes a
    // compact frame.
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    let param = |key: &str| -> Option<String> {
        search
            .trim_start_matches('?')
            .split('&')
            .find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
            .filter(|v| !v.is_empty())
            .map(|v| js_sys::decode_uri_component(&v.replace('+', " ")).map_or(v.to_string(), String::from))
    };
    let embed = param("embed").is_some_and(|v| v == "1" || v == "true");
    if let Some(scenario) = param("scenario") {
        if scenario.contains('/') || scenario.ends_with(".yaml") || scenario.ends_with(".yml") {
            leptos::task::spawn_local(async move {
                match fetch_text(&scenario).await {
                    Ok(text) => sim.start_lesson_text(&scenario, &text),
                    Err(why) => {
                        sim.lesson_error.set(Some(format!("The lesson at {scenario} could not be loaded: {why}")));
                    }
                }
            });
        } else {
            sim.start_lesson(&scenario);
        }
    }

    // The clock is the one effect that touches the outside world: a browser interval that exists
    // while the simulation plays.
    let ticker: StoredValue<Option<Interval>, LocalStorage> = StoredValue::new_local(None);
    Effect::new(move |_| {
        let playing = sim.playing.get();
        ticker.set_value(None);
        if playing {
            let interval = Interval::new(TICK_MS, move || {
                let speed = sim.speed.get_untracked();
                sim.advance(SimDuration::millis(i64::from(TICK_MS) * i64::from(speed)));
            });
            ticker.set_value(Some(interval));
        }
    });
    on_cleanup(move || ticker.set_value(None));

    view! {
        <div class="app" class:embed=embed>
            <Toolbar/>
            <main class="workspace">
                <div class="stage">
                    <Workloads/>
                    <ClusterMap/>
                    <EventLog/>
                </div>
                // The inspectors share the side column with the console, so opening one never
                // moves or covers anything on the map.
                <div class="side">
                    <LessonPanel/>
                    <PodInspector/>
                    <VolumeInspector/>
                    <NodeInspector/>
                    <ServiceInspector/>
                    <ConsolePanel/>
                </div>
            </main>
        </div>
    }
}

/// GETs a scenario file. A server on another origin must allow this page to read it (CORS); when
/// it does not, the browser only says the fetch failed, and so does the message.
async fn fetch_text(url: &str) -> Result<String, String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(url)).await.map_err(|_| {
        "the server could not be reached, or it does not allow this page to read the file (CORS: it must send Access-Control-Allow-Origin)".to_string()
    })?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| "not an HTTP response".to_string())?;
    if !response.ok() {
        return Err(format!("the server answered HTTP {}", response.status()));
    }
    let body = response.text().map_err(|_| "the body could not be read".to_string())?;
    let text = JsFuture::from(body).await.map_err(|_| "the body could not be read".to_string())?;
    text.as_string().ok_or_else(|| "the body is not text".to_string())
}
