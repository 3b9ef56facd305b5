//! Keeping the learner's work: the cluster's history (core's `history`) in `localStorage` after
//! every command, in the URL's hash as a link that replays it, and in a file to download and open.
//!
//! The hash is `#h=` and the history's JSON, compressed by the browser's own `CompressionStream`
//! (raw DEFLATE, so no compressor travels in the bundle) and written in URL-safe base64. Saved work
//! that cannot be opened (damaged, from another version, for another lesson) is set aside under a
//! second key with a message, and the page starts fresh: it never opens blank.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// The `localStorage` key for a page opened with `scenario` (or none): each lesson keeps its own.
pub fn storage_key(scenario: Option<&str>) -> String {
    match scenario {
        Some(s) => format!("podscape:lesson:{s}"),
        None => "podscape:sandbox".to_string(),
    }
}

/// Where saved work that could not be opened is kept, so nothing is lost.
pub fn set_aside_key(key: &str) -> String {
    format!("{key}:set-aside")
}

pub fn load(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

pub fn store(key: &str, text: &str) {
    if let Some(s) = storage() {
        // A full or disabled storage loses the autosave, not the cluster.
        let _ = s.set_item(key, text);
    }
}

pub fn remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

/// The history carried by the page's URL, if it has one.
pub fn link_payload() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    hash.strip_prefix("#h=").filter(|p| !p.is_empty()).map(str::to_string)
}

/// Writes `json` into the URL's hash (replacing the entry: no history step per command).
pub async fn write_link(json: String) {
    // Compression is asynchronous: a slower, older write must not overwrite a newer one.
    let ticket = LINK_WRITES.with(|n| {
        n.set(n.get() + 1);
        n.get()
    });
    let Ok(packed) = compress(json.as_bytes()).await else { return };
    if LINK_WRITES.with(|n| n.get()) != ticket {
        return;
    }
    let Some(window) = web_sys::window() else { return };
    let hash = format!("#h={}", URL_SAFE_NO_PAD.encode(packed));
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&hash));
    }
}

/// Removes the hash, for a page that starts afresh.
pub fn clear_link() {
    let Some(window) = web_sys::window() else { return };
    let path = window.location().pathname().unwrap_or_default() + &window.location().search().unwrap_or_default();
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&path));
    }
}

/// The JSON a `#h=` payload holds.
pub async fn read_link(payload: &str) -> Result<String, String> {
    let packed = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| "the link is damaged (not base64)".to_string())?;
    let bytes = decompress(&packed).await.map_err(|e| {
        if e.as_string().as_deref() == Some("too large") {
            format!("the link unpacks to more than {} MB", MAX_UNPACKED / (1024 * 1024))
        } else {
            "the link is damaged (not compressed data)".to_string()
        }
    })?;
    String::from_utf8(bytes).map_err(|_| "the link is damaged (not text)".to_string())
}

thread_local! {
    static LINK_WRITES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

fn storage() -> Option<web_sys::Storage> {
    // Storage can be refused (private modes, sandboxed frames): then nothing is kept.
    web_sys::window()?.local_storage().ok().flatten()
}

#[wasm_bindgen]
extern "C" {
    /// The Compression Streams API (every current browser); web-sys still marks it unstable.
    #[wasm_bindgen(js_name = CompressionStream)]
    type JsCompressionStream;
    #[wasm_bindgen(constructor, js_class = "CompressionStream", catch)]
    fn new(format: &str) -> Result<JsCompressionStream, JsValue>;

    #[wasm_bindgen(js_name = DecompressionStream)]
    type JsDecompressionStream;
    #[wasm_bindgen(constructor, js_class = "DecompressionStream", catch)]
    fn new(format: &str) -> Result<JsDecompressionStream, JsValue>;
}

/// The most a link may unpack to: far above any real history, far below what would exhaust the
/// page (a few hundred bytes of DEFLATE can claim gigabytes).
const MAX_UNPACKED: usize = 16 * 1024 * 1024;

async fn compress(bytes: &[u8]) -> Result<Vec<u8>, JsValue> {
    let stream = JsCompressionStream::new("deflate-raw")?;
    transform(bytes, stream.unchecked_ref(), usize::MAX).await
}

async fn decompress(bytes: &[u8]) -> Result<Vec<u8>, JsValue> {
    let stream = JsDecompressionStream::new("deflate-raw")?;
    transform(bytes, stream.unchecked_ref(), MAX_UNPACKED).await
}

/// Pipes `bytes` through a transform stream and collects what comes out, stopping (with an
/// error) once it passes `limit`.
async fn transform(bytes: &[u8], through: &web_sys::ReadableWritablePair, limit: usize) -> Result<Vec<u8>, JsValue> {
    let parts = js_sys::Array::new();
    parts.push(&js_sys::Uint8Array::from(bytes));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts)?;
    let out = blob.stream().pipe_through(through);
    let reader: web_sys::ReadableStreamDefaultReader = out.get_reader().unchecked_into();
    let mut collected = Vec::new();
    loop {
        let chunk: web_sys::ReadableStreamReadResult = JsFuture::from(reader.read()).await?.unchecked_into();
        if chunk.get_done().unwrap_or(true) {
            return Ok(collected);
        }
        collected.extend(js_sys::Uint8Array::new(&chunk.get_value()).to_vec());
        if collected.len() > limit {
            let _ = reader.cancel();
            return Err(JsValue::from_str("too large"));
        }
    }
}
