//! The lesson panel: the current step's text, its checks ticking as the cluster reaches them, a
//! hint, the solution to run, and resets. Opened by `?scenario=NAME`.

use leptos::prelude::*;

use crate::markdown::markdown;
use crate::state::Sim;

#[component]
pub fn LessonPanel() -> impl IntoView {
    let sim = expect_context::<Sim>();
    view! {
        {move || sim.lesson_error.get().map(|e| view! {
            <aside class="lesson lesson-error" data-testid="lesson-error" role="alert">{e}</aside>
        })}
        {move || sim.lesson.get().map(|l| {
            let checks = l
                .checks
                .iter()
                .map(|(text, passed)| {
                    let passed = *passed;
                    view! {
                        <li class:passed=passed data-testid="lesson-check" data-passed=passed.to_string()>
                            <span class="tick" aria-hidden="true">{if passed { "✓" } else { "○" }}</span>
                            " "
                            <span class="check-text">{markdown(text)}</span>
                            <span class="visually-hidden">{if passed { " (done)" } else { " (not yet)" }}</span>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <aside class="lesson" data-testid="lesson" aria-label="Lesson" aria-live="polite">
                    <header>
                        <h2>{l.title.clone()}</h2>
                        <span class="lesson-step" data-testid="lesson-step">
                            {if l.finished { "Done".to_string() } else { format!("Step {} of {}", l.step + 1, l.steps) }}
                        </span>
                    </header>
                    {if l.finished {
                        view! { <p data-testid="lesson-done">"Every step is done. Reset to try it again."</p> }.into_any()
                    } else {
                        view! {
                            <div class="lesson-text" data-testid="lesson-text">{markdown(&l.text)}</div>
                            <ul class="plain lesson-checks">{checks}</ul>
                            {l.hint.clone().map(|h| view! { <details class="hint"><summary>"Hint"</summary><code>{h}</code></details> })}
                        }.into_any()
                    }}
                    <div class="actions">
                        {(l.has_solution && !l.finished).then(|| view! {
                            <button class="small" data-testid="lesson-solution" on:click=move |_| sim.run_solution()>"Show me"</button>
                        })}
                        <button class="small" data-testid="lesson-reset-step" on:click=move |_| sim.reset_step()>"Reset step"</button>
                        <button class="small" data-testid="lesson-restart" on:click=move |_| sim.reset()>"Restart lesson"</button>
                    </div>
                </aside>
            }
        })}
    }
}
