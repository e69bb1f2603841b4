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
    if !docs.extensions.is_empty() {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str("Extensions:");
        for (key, value) in &docs.extensions {
            let value: String = value.chars().take(200).collect();
            text.push_str(&format!("\n- `{key}`: `{}`", value.replace('`', "'")));
        }
    }
    let doc = lines_attrs(&text);
    if docs.deprecated {
        quote!(#doc #[deprecated])
    } else {
        doc
    }
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
        let indent = if let Some(width) = list_marker_width(trimmed) {
            list_indent = Some(width);
            wrap(trimmed, "", " ".repeat(width), &mut out);
            continue;
        } else {
            list_indent.map_or_else(String::new, |width| " ".repeat(width))
        };
        if trimmed.starts_with(['|', '#']) {
            // Tables and headings are one line each in Markdown.
            out.push(format!("{indent}{trimmed}"));
        } else {
            wrap(trimmed, &indent, indent.clone(), &mut out);
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

/// How long a doc line's text may be: with `/// ` and the indentation of a nested item it
/// stays within rustfmt's 100 columns.
const WIDTH: usize = 88;

/// `text` as lines of at most [`WIDTH`] characters (a longer word or `code span` stays whole),
/// the first starting with `first`, the others with `rest`.
fn wrap(text: &str, first: &str, rest: String, out: &mut Vec<String>) {
    let mut line = first.to_string();
    let mut empty = true;
    for word in words(text) {
        let len = line.chars().count() + usize::from(!empty) + word.chars().count();
        if !empty && len > WIDTH {
            out.push(std::mem::replace(&mut line, rest.clone()));
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push(line);
}

/// The words of `text`, split at spaces outside backtick code spans.
fn words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    let mut in_code = false;
    for (i, c) in text.char_indices() {
        match c {
            '`' => {
                in_code = !in_code;
                start.get_or_insert(i);
            }
            ' ' if !in_code => {
                if let Some(s) = start.take() {
                    out.push(&text[s..i]);
                }
            }
            _ => {
                start.get_or_insert(i);
            }
        }
    }
    if let Some(s) = start {
        out.push(&text[s..]);
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
    fn long_lines_wrap_at_spaces_outside_code_spans() {
        let text = format!("{}`a code span that stays whole` end", "word ".repeat(20));
        let lines = sanitize(&text);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(
            lines.iter().all(|l| l.chars().count() <= WIDTH),
            "{lines:?}"
        );
        assert!(lines
            .iter()
            .any(|l| l.contains("`a code span that stays whole`")));
        assert_eq!(lines.join(" "), text.trim());
        let item = sanitize(&format!("- {}", "item ".repeat(30)));
        assert!(item[1..]
            .iter()
            .all(|l| l.starts_with("  ") && !l.starts_with("   ")));
        let table = format!("| {} |", "cell ".repeat(30));
        assert_eq!(sanitize(&table), [table]);
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
