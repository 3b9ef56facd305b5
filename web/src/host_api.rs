//! The API a course page hosting Podscape in an iframe speaks, through `postMessage`.
//!
//! It is off unless the frame's URL names the origins allowed to use it
//! (`origins=https://course.example,https://other.example`; `self` stands for the frame's own
//! origin). Messages from any other origin are ignored, and messages to the host are addressed to
//! the allowed origins only, so a page that frames Podscape without being allowed learns nothing.
//! Only plain data crosses (serde-wasm-bindgen, JSON-compatible objects with a `type` field):
//!
//! - host → frame: `{type: "podscape:run", line}`, `{type: "podscape:load", scenario}`,
//!   `{type: "podscape:reset"}`;
//! - frame → host: `podscape:ready` (scenario), `podscape:check-passed` (step, check,
//!   description), `podscape:step-completed` (step, steps, finished), `podscape:event` (event:
//!   type, reason, object, message, at), `podscape:output` (line, stdout, stderr, ok) after each
//!   command, and `podscape:error` (message) for a message the frame cannot act on.
//!
//! Steps and checks are counted from 0.

use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use podscape_core::lesson::{Advance, Scenario};

/// What the host page may ask.
#[derive(Deserialize, Debug, PartialEq)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum Incoming {
    #[serde(rename = "podscape:run")]
    Run { line: String },
    #[serde(rename = "podscape:load")]
    Load { scenario: String },
    #[serde(rename = "podscape:reset")]
    Reset {},
}

/// What the host page hears.
#[derive(Serialize, Debug)]
#[serde(tag = "type")]
pub enum Outgoing<'a> {
    #[serde(rename = "podscape:ready")]
    Ready { scenario: Option<&'a str> },
    #[serde(rename = "podscape:check-passed")]
    CheckPassed { step: usize, check: usize, description: String },
    #[serde(rename = "podscape:step-completed")]
    StepCompleted { step: usize, steps: usize, finished: bool },
    #[serde(rename = "podscape:event")]
    Event { event: EventData<'a> },
    #[serde(rename = "podscape:output")]
    Output { line: &'a str, stdout: &'a str, stderr: &'a str, ok: bool },
    #[serde(rename = "podscape:error")]
    Error { message: String },
}

#[derive(Serialize, Debug)]
pub struct EventData<'a> {
    #[serde(rename = "type")]
    pub kind: &'a str,
    pub reason: &'a str,
    pub object: &'a str,
    pub namespace: &'a str,
    pub message: &'a str,
    pub at: &'a str,
}

/// The allowed origins and the way to reach the host.
#[derive(Clone, Debug)]
pub struct HostApi {
    origins: Vec<String>,
}

impl HostApi {
    /// The API the `origins=` parameter allows, if any origin in it is well formed.
    pub fn from_param(param: &str, own_origin: &str) -> Option<HostApi> {
        let origins: Vec<String> = param
            .split(',')
            .map(str::trim)
            .map(|o| if o == "self" { own_origin } else { o })
            .filter(|o| is_origin(o))
            .map(str::to_string)
            .collect();
        (!origins.is_empty()).then_some(HostApi { origins })
    }

    pub fn allows(&self, origin: &str) -> bool {
        self.origins.iter().any(|o| o == origin)
    }

    pub fn ready(&self, scenario: Option<&str>) {
        self.post(&Outgoing::Ready { scenario });
    }

    /// Announces the checks and steps an evaluation latched.
    pub fn announce(&self, s: &Scenario, news: &Advance) {
        for &(step, check) in &news.checks_passed {
            let description = s.steps.get(step).and_then(|st| st.checks.get(check)).map(|c| c.describe());
            self.post(&Outgoing::CheckPassed { step, check, description: description.unwrap_or_default() });
        }
        for &step in &news.steps_completed {
            self.post(&Outgoing::StepCompleted { step, steps: s.steps.len(), finished: step + 1 >= s.steps.len() });
        }
    }

    pub fn event(&self, e: &podscape_core::events::LogEntry) {
        let kind = if e.warning { "Warning" } else { "Normal" };
        self.post(&Outgoing::Event {
            event: EventData {
                kind,
                reason: &e.reason,
                object: &e.object,
                namespace: &e.namespace,
                message: &e.message,
                at: &e.time,
            },
        });
    }

    pub fn output(&self, line: &str, out: &podscape_core::console::Output) {
        self.post(&Outgoing::Output { line, stdout: &out.stdout, stderr: &out.stderr, ok: out.ok() });
    }

    pub fn error(&self, message: String) {
        self.post(&Outgoing::Error { message });
    }

    fn post(&self, message: &Outgoing) {
        let Some(parent) = host() else { return };
        let serializer = serde_wasm_bindgen::Serializer::json_compatible();
        let Ok(value) = message.serialize(&serializer) else { return };
        for origin in &self.origins {
            // The browser delivers only if the host's origin is this one.
            let _ = parent.post_message(&value, origin);
        }
    }
}

/// Reads a host's message. `Ok(None)`: not meant for Podscape (other scripts post messages too).
pub fn read(data: &JsValue) -> Result<Option<Incoming>, String> {
    let kind = js_sys::Reflect::get(data, &JsValue::from_str("type")).ok().and_then(|t| t.as_string());
    match kind {
        Some(k) if k.starts_with("podscape:") => serde_wasm_bindgen::from_value(data.clone())
            .map(Some)
            .map_err(|e| format!("message \"{k}\" not understood: {e}")),
        _ => Ok(None),
    }
}

/// Calls `handle` with each allowed host message. The listener lives as long as the page.
pub fn listen(api: HostApi, handle: impl Fn(Incoming) + 'static) {
    let Some(window) = web_sys::window() else { return };
    let on_message = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
        if !api.allows(&ev.origin()) {
            return;
        }
        match read(&ev.data()) {
            Ok(Some(message)) => handle(message),
            Ok(None) => {}
            Err(why) => api.error(why),
        }
    });
    let _ = window.add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
    on_message.forget();
}

/// The window hosting this frame, if it is framed.
fn host() -> Option<web_sys::Window> {
    let window = web_sys::window()?;
    let parent = window.parent().ok().flatten()?;
    // An unframed page is its own parent: there is no host to tell.
    (!js_sys::Object::is(&parent, &window)).then_some(parent)
}

/// `scheme://host[:port]`, nothing after: what `MessageEvent.origin` holds.
fn is_origin(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once("://") else { return false };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', '@', ' '])
        && rest.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}
