//! Component tests in a real browser (headless Chromium through wasm-bindgen-test): the app mounts,
//! draws the default cluster, and turns a click into a console line.

#![cfg(target_arch = "wasm32")]

use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().expect("window").document().expect("document")
}

/// Mounts the app into a fresh element; the handle keeps it alive for the test.
fn mount() -> (Element, impl Drop) {
    // Each test is a fresh visit: no work kept by an earlier one, no link in the address.
    let window = web_sys::window().expect("window");
    window.local_storage().ok().flatten().expect("storage").clear().expect("clear");
    window
        .history()
        .expect("history")
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("?"))
        .expect("url");
    let el = document().create_element("div").expect("div");
    document().body().expect("body").append_child(&el).expect("append");
    let handle = leptos::mount::mount_to(el.clone().unchecked_into(), podscape_web::App);
    (el, handle)
}

fn all(root: &Element, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).expect("selector");
    (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.dyn_into::<Element>().ok()).collect()
}

#[wasm_bindgen_test]
async fn draws_the_default_cluster() {
    let (root, _handle) = mount();
    TimeoutFuture::new(0).await;
    let nodes: Vec<String> =
        all(&root, "[data-testid=node]").iter().filter_map(|n| n.get_attribute("data-name")).collect();
    assert_eq!(nodes, ["node-1", "node-2", "node-3"]);
    let backend = all(&root, "[data-testid=pod][data-owner=backend]");
    assert_eq!(backend.len(), 3, "three backend pods");
    assert!(backend.iter().all(|p| p.get_attribute("data-status").as_deref() == Some("Running")));
    assert_eq!(all(&root, "[data-testid=pod][data-owner=frontend]").len(), 2);
    let svc = all(&root, "[data-testid=service][data-name=backend]");
    assert_eq!(svc.len(), 1);
    let ip = svc[0].get_attribute("data-cluster-ip").unwrap_or_default();
    assert!(ip.starts_with("10."), "a ClusterIP from the service CIDR, got {ip}");
    assert_eq!(all(&root, "[data-testid=endpoint-line][data-service=backend]").len(), 3);
}

#[wasm_bindgen_test]
async fn deleting_a_pod_runs_its_kubectl_line() {
    let (root, _handle) = mount();
    TimeoutFuture::new(0).await;
    // Pause the clock so the pod is seen terminating, not already replaced.
    all(&root, "[data-testid=play]")[0].unchecked_ref::<HtmlElement>().click();
    TimeoutFuture::new(0).await;
    let pod = all(&root, "[data-testid=pod][data-owner=backend]").remove(0);
    let name = pod.get_attribute("data-name").unwrap_or_default();
    pod.dispatch_event(&web_sys::MouseEvent::new("click").expect("event")).expect("click");
    TimeoutFuture::new(0).await;
    all(&root, "[data-testid=delete-pod]")[0].unchecked_ref::<HtmlElement>().click();
    TimeoutFuture::new(0).await;
    let lines: Vec<String> = all(&root, "[data-testid=console-line]").iter().filter_map(|l| l.text_content()).collect();
    assert!(
        lines.iter().any(|l| l.contains(&format!("kubectl delete pod {name} --wait=false")) && l.contains("deleted")),
        "the console shows the line and its answer: {lines:?}"
    );
    let same = all(&root, &format!("[data-testid=pod][data-name='{name}']"));
    assert_eq!(same[0].get_attribute("data-status").as_deref(), Some("Terminating"));
    // Its endpoint is no longer ready, so only two solid lines remain from the service.
    let ready_lines = all(&root, "[data-testid=endpoint-line][data-service=backend][data-ready=true]");
    assert_eq!(ready_lines.len(), 2);
}

#[wasm_bindgen_test]
async fn typed_lines_run_in_the_console() {
    let (root, _handle) = mount();
    TimeoutFuture::new(0).await;
    let input: web_sys::HtmlInputElement = all(&root, "[data-testid=console-input]").remove(0).unchecked_into();
    input.set_value("kubectl get svc backend -o jsonpath={.spec.type}");
    let form = input.form().expect("form");
    form.request_submit().expect("submit");
    TimeoutFuture::new(0).await;
    let last = all(&root, "[data-testid=console-line]").pop().and_then(|l| l.text_content()).unwrap_or_default();
    assert!(last.contains("ClusterIP"), "{last}");
    assert_eq!(input.value(), "", "the prompt clears after a line runs");
}

/// Types a line into the console and runs it.
async fn type_line(root: &Element, line: &str) {
    let input: web_sys::HtmlInputElement = all(root, "[data-testid=console-input]").remove(0).unchecked_into();
    input.set_value(line);
    input.form().expect("form").request_submit().expect("submit");
    TimeoutFuture::new(0).await;
}

fn click(el: &Element) {
    el.unchecked_ref::<HtmlElement>().click();
}

#[wasm_bindgen_test]
async fn volumes_are_drawn_and_a_written_file_survives_the_pod() {
    let (root, _handle) = mount();
    TimeoutFuture::new(0).await;
    click(&all(&root, "[data-testid=play]")[0]);
    type_line(&root, "kubectl apply -f https://k8s.io/examples/application/web/web.yaml").await;
    type_line(&root, "sim advance 60s").await;
    let volumes = all(&root, "[data-testid=volume][data-phase=Bound]");
    assert_eq!(volumes.len(), 2, "one PersistentVolume per StatefulSet pod");
    assert_eq!(all(&root, "[data-testid=attach-line]").len(), 2, "each attached to its pod's node");
    let web0 = all(&root, "[data-testid=pod][data-name=web-0]").remove(0);
    let chip = all(&web0, "[data-testid=storage-chip][data-kind=persistentVolumeClaim]");
    assert_eq!(chip.len(), 1);
    assert_eq!(chip[0].get_attribute("data-files").as_deref(), Some("0"));
    web0.dispatch_event(&web_sys::MouseEvent::new("click").expect("event")).expect("click");
    TimeoutFuture::new(0).await;
    click(&all(&root, "[data-testid=write-file][data-kind=persistentVolumeClaim]")[0]);
    TimeoutFuture::new(0).await;
    let lines: Vec<String> = all(&root, "[data-testid=console-line]").iter().filter_map(|l| l.text_content()).collect();
    assert!(lines.iter().any(|l| l.contains("kubectl exec web-0 -c nginx -- sh -c")), "{lines:?}");
    // The pod goes; its successor of the same name mounts the same claim and finds the file.
    type_line(&root, "kubectl delete pod web-0").await;
    type_line(&root, "sim advance 30s").await;
    let web0 = all(&root, "[data-testid=pod][data-name=web-0]").remove(0);
    assert_eq!(web0.get_attribute("data-status").as_deref(), Some("Running"));
    let chip = all(&web0, "[data-testid=storage-chip][data-kind=persistentVolumeClaim]");
    assert_eq!(chip[0].get_attribute("data-files").as_deref(), Some("1"));
    let claimed = all(&root, "[data-testid=volume][data-claim='default/www-web-0']");
    assert_eq!(claimed[0].get_attribute("data-files").as_deref(), Some("1"));
}

#[wasm_bindgen_test]
async fn a_pasted_manifest_applies_as_a_console_line() {
    let (root, _handle) = mount();
    TimeoutFuture::new(0).await;
    click(&all(&root, "[data-testid=open-manifest]")[0]);
    TimeoutFuture::new(0).await;
    let text: web_sys::HtmlTextAreaElement = all(&root, "[data-testid=manifest-text]").remove(0).unchecked_into();
    text.set_value("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pasted\ndata:\n  greeting: hello\n");
    click(&all(&root, "[data-testid=manifest-apply]")[0]);
    TimeoutFuture::new(0).await;
    let last = all(&root, "[data-testid=console-line]").pop().and_then(|l| l.text_content()).unwrap_or_default();
    assert!(last.contains("kubectl apply -f manifest.yaml") && last.contains("configmap/pasted created"), "{last}");
    assert!(all(&root, "[data-testid=manifest-editor]").is_empty(), "the editor closes");
    // The typed-line history: Up brings back the last line typed.
    type_line(&root, "kubectl get cm pasted").await;
    let input: web_sys::HtmlInputElement = all(&root, "[data-testid=console-input]").remove(0).unchecked_into();
    let up = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &{
        let init = web_sys::KeyboardEventInit::new();
        init.set_key("ArrowUp");
        init.set_bubbles(true);
        init
    })
    .expect("event");
    input.dispatch_event(&up).expect("dispatch");
    TimeoutFuture::new(0).await;
    assert_eq!(input.value(), "kubectl get cm pasted");
}
