//! Lesson text: Markdown read by pulldown-cmark and drawn as Leptos views. Only text, emphasis,
//! code, links' text, lists and paragraphs are drawn; raw HTML is dropped, never inserted, so a
//! lesson cannot put markup or script on the page.

use leptos::prelude::*;
use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// A block or inline piece, built from the parser's events.
enum Node {
    Text(String),
    Code(String),
    Element(Kind, Vec<Node>),
}

#[derive(Clone, Copy)]
enum Kind {
    Paragraph,
    Strong,
    Emphasis,
    List,
    Item,
    CodeBlock,
    Plain,
}

fn tree(text: &str) -> Vec<Node> {
    let mut stack: Vec<(Kind, Vec<Node>)> = vec![(Kind::Plain, Vec::new())];
    for event in Parser::new(text) {
        match event {
            Event::Start(tag) => {
                let kind = match tag {
                    Tag::Paragraph => Kind::Paragraph,
                    Tag::Strong => Kind::Strong,
                    Tag::Emphasis => Kind::Emphasis,
                    Tag::List(_) => Kind::List,
                    Tag::Item => Kind::Item,
                    Tag::CodeBlock(_) => Kind::CodeBlock,
                    _ => Kind::Plain,
                };
                stack.push((kind, Vec::new()));
            }
            Event::End(TagEnd::HtmlBlock) => {}
            Event::End(_) if stack.len() > 1 => {
                let (kind, children) = stack.pop().unwrap_or((Kind::Plain, Vec::new()));
                if let Some(parent) = stack.last_mut() {
                    parent.1.push(Node::Element(kind, children));
                }
            }
            Event::Text(t) => push(&mut stack, Node::Text(t.to_string())),
            Event::Code(t) => push(&mut stack, Node::Code(t.to_string())),
            Event::SoftBreak | Event::HardBreak => push(&mut stack, Node::Text(" ".into())),
            // Raw HTML and everything else is left out.
            _ => {}
        }
    }
    stack.into_iter().next().map(|(_, nodes)| nodes).unwrap_or_default()
}

fn push(stack: &mut [(Kind, Vec<Node>)], node: Node) {
    if let Some(top) = stack.last_mut() {
        top.1.push(node);
    }
}

fn render(nodes: Vec<Node>) -> AnyView {
    nodes
        .into_iter()
        .map(|n| match n {
            Node::Text(t) => t.into_any(),
            Node::Code(t) => view! { <code>{t}</code> }.into_any(),
            Node::Element(kind, children) => {
                let inner = render(children);
                match kind {
                    Kind::Paragraph => view! { <p>{inner}</p> }.into_any(),
                    Kind::Strong => view! { <strong>{inner}</strong> }.into_any(),
                    Kind::Emphasis => view! { <em>{inner}</em> }.into_any(),
                    Kind::List => view! { <ul>{inner}</ul> }.into_any(),
                    Kind::Item => view! { <li>{inner}</li> }.into_any(),
                    Kind::CodeBlock => view! { <pre><code>{inner}</code></pre> }.into_any(),
                    Kind::Plain => inner,
                }
            }
        })
        .collect_view()
        .into_any()
}

/// Lesson Markdown as views.
pub fn markdown(text: &str) -> AnyView {
    render(tree(text))
}
