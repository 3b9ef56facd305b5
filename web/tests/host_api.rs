//! The host page's postMessage API: which origins may use it, and how its messages read.

#![cfg(target_arch = "wasm32")]

use podscape_web::host_api::{HostApi, Incoming, read};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn object(json: &str) -> JsValue {
    js_sys::JSON::parse(json).expect("JSON")
}

#[wasm_bindgen_test]
fn only_well_formed_origins_are_allowed() {
    let api = HostApi::from_param(
        "self, https://course.example, javascript:alert(1), https://x.example/path, *",
        "http://127.0.0.1:8080",
    )
    .expect("two origins are well formed");
    assert!(api.allows("http://127.0.0.1:8080"));
    assert!(api.allows("https://course.example"));
    assert!(!api.allows("https://x.example"));
    assert!(!api.allows("*"));
    assert!(!api.allows("null"));
    assert!(HostApi::from_param("*", "http://a").is_none());
}

#[wasm_bindgen_test]
fn host_messages_read_as_plain_data() {
    assert_eq!(
        read(&object(r#"{"type":"podscape:run","line":"kubectl get pods"}"#)),
        Ok(Some(Incoming::Run { line: "kubectl get pods".into() }))
    );
    assert_eq!(read(&object(r#"{"type":"podscape:reset"}"#)), Ok(Some(Incoming::Reset {})));
    // Other scripts' messages are not Podscape's business.
    assert_eq!(read(&object(r#"{"type":"webpackOk"}"#)), Ok(None));
    assert_eq!(read(&JsValue::from_str("hello")), Ok(None));
    let e = read(&object(r#"{"type":"podscape:explode"}"#)).unwrap_err();
    assert!(e.starts_with("message \"podscape:explode\" not understood"), "{e}");
    let e = read(&object(r#"{"type":"podscape:run"}"#)).unwrap_err();
    assert!(e.contains("line"), "{e}");
}
