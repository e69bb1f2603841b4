//! Doc comments from spec text, made safe to embed whatever the text contains.
//!
//! Spec descriptions are Markdown written for people, not for rustdoc: a fenced block would
//! become a doctest, an indented block too, bidirectional-override characters are denied by
//! rustc, and a list followed by a lazy continuation line trips clippy. This module rewrites
//! just enough to keep the meaning and make the result compile clean.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Docs;

/// `#[doc = ...]` attributes for a title and description.
pub(crate) fn attrs(docs: &Docs) -> TokenStream {
    let mut text = String::new();
    if let Some(title) = docs.title.as_deref().filter(|t| !t.trim().is_empty()) {
        text.push_str(title.trim());
    }
    if let Some(description) = docs.description.as_deref().filter(|d| !d.trim().is_empty()) {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(description.trim());
    }
    lines_attrs(&text)
}

/// `#[doc = ...]` attributes for free text.
pub(crate) fn lines_attrs(text: &str) -> TokenStream {
    let lines = sanitize(text);
    if lines.iter().all(|l| l.trim().is_empty()) {
        return TokenStream::new();
    }
    let lines = lines.iter().map(|l| {
        let l = if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        };
        quote!(#[doc = #l])
    });
    quote!(#(#lines)*)
}

/// The text as doc lines that compile clean.
pub(crate) fn sanitize(text: &str) -> Vec<String> {
    let cleaned: String = text
        .chars()
        .filter_map(|c| match c {
            '\t' => Some(' '),
            '\n' => Some('\n'),
            '\r' => None,
            // Bidirectional controls are denied by rustc even in comments.
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' => None,
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect();
    let mut out = Vec::new();
    let mut fence: Option<String> = None;
    let mut list_indent: Option<usize> = None;
    for raw in cleaned.lines() {
        let trimmed = raw.trim();
        if let Some(marker) = &fence {
            if trimmed.starts_with(marker.as_str())
                && trimmed.trim_start_matches(marker.as_str()).is_empty()
            {
                out.push(marker.clone());
                fence = None;
            } else {
                out.push(raw.trim_end().to_string());
            }
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            let marker: String = trimmed
                .chars()
                .take_while(|c| *c == '`' || *c == '~')
                .collect();
            // Spec examples are not Rust: never let rustdoc run them as doctests.
            out.push(format!("{marker}text"));
            fence = Some(marker);
            list_indent = None;
            continue;
        }
        if trimmed.is_empty() {
            out.push(String::new());
            list_indent = None;
            continue;
        }
        // Indentation would turn lines into code blocks (doctests): keep the text flush.
        if let Some(width) = list_marker_width(trimmed) {
            list_indent = Some(width);
            out.push(trimmed.to_string());
        } else if let Some(width) = list_indent {
            out.push(format!("{}{trimmed}", " ".repeat(width)));
        } else {
            out.push(trimmed.to_string());
        }
    }
    if let Some(marker) = fence {
        out.push(marker);
    }
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out
}

fn list_marker_width(line: &str) -> Option<usize> {
    if let Some(rest) = line.strip_prefix(['-', '*', '+']) {
        return rest.starts_with(' ').then_some(2);
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && digits < 10 {
        let rest = &line[digits..];
        if rest.starts_with(". ") || rest.starts_with(") ") {
            return Some(digits + 2);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_become_text_and_indentation_is_flattened() {
        let lines = sanitize("Intro\n\n```json\n{\"a\": 1}\n```\n\n    indented code\n");
        assert_eq!(
            lines,
            [
                "Intro",
                "",
                "```text",
                "{\"a\": 1}",
                "```",
                "",
                "indented code"
            ]
        );
    }

    #[test]
    fn unclosed_fence_is_closed() {
        assert_eq!(sanitize("```\ncode"), ["```text", "code", "```"]);
    }

    #[test]
    fn lazy_list_continuations_are_indented() {
        let lines = sanitize("* one\ncontinued\n\nafter\n10. ten\nmore");
        assert_eq!(
            lines,
            ["* one", "  continued", "", "after", "10. ten", "    more"]
        );
    }

    #[test]
    fn hostile_characters_are_removed_or_kept_safely() {
        let lines = sanitize("ends */ and \"quotes\" `ticks` back\\slash\u{202E}rtl\u{0007}");
        assert_eq!(lines, ["ends */ and \"quotes\" `ticks` back\\slashrtl"]);
        let tokens = lines_attrs("*/ \"");
        let file: syn::File = syn::parse2(quote!(#tokens pub struct X;)).unwrap();
        assert!(prettyplease::unparse(&file).contains("*/ \""));
    }
}
