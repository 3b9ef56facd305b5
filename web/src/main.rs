//! The page's entry point: mount the app on the body.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(podscape_web::App);
}
