//! The page's frame: toolbar, the cluster map, the console; and the simulation clock.

use gloo_timers::callback::Interval;
use leptos::prelude::*;
use podscape_core::{Config, SimDuration};

use crate::cluster_map::{ClusterMap, PodInspector, VolumeInspector};
use crate::console_panel::ConsolePanel;
use crate::host_api::{self, HostApi, Incoming};
use crate::inspectors::{NodeInspector, ServiceInspector};
use crate::lesson_panel::LessonPanel;
use crate::saved;
use crate::state::Sim;
use crate::toolbar::Toolbar;
use crate::workloads::{EventLog, Workloads};
use podscape_core::history::History;

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
    let scenario = param("scenario");
    let own_origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    let api = param("origins").and_then(|o| HostApi::from_param(&o, &own_origin));
    if let Some(api) = api.clone() {
        sim.connect_host(api.clone());
        host_api::listen(api, move |message| match message {
            Incoming::Run { line } => sim.run(&line),
            Incoming::Reset {} => sim.reset(),
            Incoming::Load { scenario } => leptos::task::spawn_local(open_page(sim, Some(scenario), false)),
        });
    }
    leptos::task::spawn_local(open_page(sim, scenario, true));

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
                    <Notice/>
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

/// Opens the page's cluster: the lesson, if one is named, then the learner's work on it (from the
/// link, if `use_link` and the URL carries one, else from this browser's storage), and from then on
/// keeps the work after every command. A later load (a host's `podscape:load`) supersedes an
/// earlier one still waiting for the network.
async fn open_page(sim: Sim, scenario: Option<String>, use_link: bool) {
    let load = sim.begin_load();
    let current = move || sim.alive() && sim.is_current_load(load);
    let mut key = saved::storage_key(scenario.as_deref());
    let kept = sim.stop_keeping();
    if let Some(s) = &scenario
        && !(start_scenario(sim, s).await && current())
    {
        if current() {
            // The lesson did not open, so the cluster on the page is still the one kept before.
            if let Some(old) = kept {
                sim.keep_under(old);
            }
            sim.report_to_host(sim.lesson_error.get_untracked().unwrap_or_default());
        }
        return;
    }
    let link = if use_link { saved::link_payload() } else { None };
    // Whether the link's cluster opened, or was refused (its message then stays on screen).
    let (mut from_link, mut link_refused) = (false, false);
    if let Some(payload) = link {
        // A link wins over what this browser kept: it was shared on purpose.
        let json = saved::read_link(&payload).await;
        if !current() {
            return;
        }
        let history = json.and_then(|json| History::from_json(&json).map_err(|e| e.to_string()));
        let opened = match history {
            Ok(h) => {
                if let Some(lesson) = sim.lesson_needed(&h) {
                    key = saved::storage_key(Some(&lesson));
                    if !(start_scenario(sim, &lesson).await && current()) {
                        return;
                    }
                }
                sim.open_history(&h)
            }
            Err(why) => Err(why),
        };
        match opened {
            Ok(n) => {
                from_link = true;
                // What this browser kept for the lesson is not lost to the shared cluster.
                let mut text = format!("Opened the cluster from the link ({n} commands replayed).");
                if let Some(old) = saved::load(&key) {
                    let aside = saved::set_aside_key(&key);
                    saved::store(&aside, &old);
                    text += &format!(" Your own saved work was set aside in this browser's storage as \"{aside}\".");
                }
                sim.notice.set(Some(text));
            }
            Err(why) => {
                // What this browser kept is opened instead, below, and the message stays.
                link_refused = true;
                saved::clear_link();
                sim.notice.set(Some(format!("The link's cluster could not be opened: {why}.")));
            }
        }
    }
    if !from_link && let Some(text) = saved::load(&key) {
        let opened = History::from_json(&text).map_err(|e| e.to_string()).and_then(|h| sim.open_history(&h));
        match opened {
            Ok(n) if n > 0 && !link_refused => {
                sim.notice.set(Some(format!("Welcome back: your cluster is as you left it ({n} commands replayed).")))
            }
            Ok(_) => {}
            Err(why) => {
                let aside = saved::set_aside_key(&key);
                saved::store(&aside, &text);
                saved::remove(&key);
                sim.notice.set(Some(format!(
                    "Your saved cluster could not be restored: {why}. It was set aside in this browser's storage as \"{aside}\"; this is a fresh cluster."
                )));
            }
        }
    }
    sim.keep_under(key);
    sim.announce_ready(scenario.as_deref());
}

/// Opens a file written by "Save file": its lesson (if another one is open), then its cluster.
pub async fn open_file(sim: Sim, text: String) {
    if !sim.alive() {
        return;
    }
    let history = match History::from_json(&text) {
        Ok(h) => h,
        Err(why) => {
            sim.notice.set(Some(format!("That file could not be opened: {why}. Nothing changed.")));
            return;
        }
    };
    let switched = sim.lesson_needed(&history);
    if let Some(lesson) = &switched {
        let kept = sim.stop_keeping();
        if !start_scenario(sim, lesson).await {
            if let Some(old) = kept {
                sim.keep_under(old);
            }
            return;
        }
    }
    match sim.open_history(&history) {
        Ok(n) => {
            if let Some(lesson) = &switched {
                // The file's cluster replaces what was kept for its lesson: set that aside first.
                let key = saved::storage_key(Some(lesson));
                if let Some(old) = saved::load(&key) {
                    saved::store(&saved::set_aside_key(&key), &old);
                }
                sim.keep_under(key);
            }
            sim.notice.set(Some(format!("Opened the saved cluster ({n} commands replayed).")));
            sim.persist();
        }
        Err(why) => match switched {
            None => sim.notice.set(Some(format!("That file could not be opened: {why}. Nothing changed."))),
            Some(lesson) => {
                // The lesson the file names is open; bring back the learner's own work on it.
                Box::pin(open_page(sim, Some(lesson.clone()), false)).await;
                sim.notice.set(Some(format!("That file could not be opened: {why}. The lesson \"{lesson}\" is open.")));
            }
        },
    }
}

/// Starts a lesson by built-in name or URL; false (with the reason shown) when it cannot start.
pub async fn start_scenario(sim: Sim, scenario: &str) -> bool {
    if !sim.alive() {
        return false;
    }
    let is_url = ["http://", "https://", "/", "./", "../"].iter().any(|p| scenario.starts_with(p))
        || scenario.ends_with(".yaml")
        || scenario.ends_with(".yml");
    if is_url {
        let fetched = fetch_text(scenario).await;
        if !sim.alive() {
            return false;
        }
        match fetched {
            Ok(text) => sim.start_lesson_text(scenario, &text),
            Err(why) => {
                sim.lesson_error.set(Some(format!("The lesson at {scenario} could not be loaded: {why}")));
                return false;
            }
        }
    } else {
        sim.start_lesson(scenario);
    }
    sim.lesson_error.with_untracked(Option::is_none)
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

/// A message about the learner's saved work, until dismissed.
#[component]
fn Notice() -> impl IntoView {
    let sim = expect_context::<Sim>();
    move || {
        sim.notice.get().map(|text| {
            view! {
                <aside class="notice" data-testid="notice" role="status">
                    <p>{text}</p>
                    <button class="small" data-testid="notice-dismiss" on:click=move |_| sim.notice.set(None)>"OK"</button>
                </aside>
            }
        })
    }
}
