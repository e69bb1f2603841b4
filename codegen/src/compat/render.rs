//! Reports for people (text) and for tools (JSON, GitHub workflow annotations, JUnit XML).

use std::fmt::Write;

use serde_json::json;

use super::{Change, Effect, Mode, Report};

/// Output format of a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// For people: per message, each change with its rule, path, values, verdicts and place.
    Text,
    /// One JSON document.
    Json,
    /// GitHub Actions workflow commands (`::error file=...,line=...::...`).
    Github,
    /// JUnit XML: a test case per message.
    Junit,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "github" => Ok(Format::Github),
            "junit" => Ok(Format::Junit),
            other => Err(format!(
                "unknown format `{other}`: expected text, json, github or junit"
            )),
        }
    }
}

const MODES: [Mode; 3] = [Mode::Backward, Mode::Forward, Mode::Full];

/// Several reports (`tidings diff --history`) as one document: a JSON array, one JUnit
/// `<testsuites>`, or the texts one after the other.
pub fn render_all(reports: &[Report], format: Format) -> String {
    match format {
        Format::Text | Format::Github => reports.iter().map(|r| r.render(format)).collect(),
        Format::Json => {
            let all: Vec<serde_json::Value> = reports.iter().map(Report::json_value).collect();
            let mut text = serde_json::to_string_pretty(&all).unwrap_or_default();
            text.push('\n');
            text
        }
        Format::Junit => {
            let suites: String = reports.iter().map(Report::junit_suite).collect();
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n{suites}</testsuites>\n"
            )
        }
    }
}

impl Report {
    /// The report in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text => self.text(),
            Format::Json => {
                let mut text = serde_json::to_string_pretty(&self.json_value()).unwrap_or_default();
                text.push('\n');
                text
            }
            Format::Github => self.github(),
            Format::Junit => render_all(std::slice::from_ref(self), Format::Junit),
        }
    }

    /// Groups for output: the API changes, then each message.
    fn groups(&self) -> Vec<(&str, &[Change])> {
        let mut groups = Vec::new();
        if !self.api.is_empty() {
            groups.push(("channels and operations", self.api.as_slice()));
        }
        for m in &self.messages {
            groups.push((m.message.as_str(), m.changes.as_slice()));
        }
        groups
    }

    fn text(&self) -> String {
        let mut out = String::new();
        let verdict = if self.is_compatible() {
            "compatible"
        } else {
            "INCOMPATIBLE"
        };
        let _ = writeln!(
            out,
            "{} → {}: {verdict} ({} mode)",
            self.old, self.new, self.mode
        );
        if self.changes().next().is_none() {
            let _ = writeln!(out, "  no changes");
        }
        for (name, changes) in self.groups() {
            let _ = writeln!(out, "  {name}");
            for c in changes {
                let mark = if c.fails(self.mode) {
                    "✗"
                } else if c.accepted.is_some() {
                    "~"
                } else {
                    "✓"
                };
                let _ = write!(out, "    {mark} {} at {}", c.rule, c.path);
                if c.old.is_some() || c.new.is_some() {
                    let _ = write!(
                        out,
                        ": {} → {}",
                        c.old.as_deref().unwrap_or("—"),
                        c.new.as_deref().unwrap_or("—")
                    );
                }
                let verdicts: Vec<String> = MODES
                    .iter()
                    .map(|m| {
                        let ok = c.effect.allowed_in(*m);
                        format!("{m} {}", if ok { "ok" } else { "breaks" })
                    })
                    .collect();
                let _ = write!(out, "  [{}]", verdicts.join(", "));
                if let Some(at) = &c.at {
                    let _ = write!(out, "  {}:{}:{}", at.file, at.line, at.col);
                }
                if let Some(why) = &c.accepted {
                    let _ = write!(out, "  (accepted: {why})");
                }
                out.push('\n');
            }
        }
        out
    }

    fn json_value(&self) -> serde_json::Value {
        let change = |c: &Change| {
            json!({
                "rule": c.rule,
                "path": c.path,
                "old": c.old,
                "new": c.new,
                "effect": match c.effect {
                    Effect::Compatible => "compatible",
                    Effect::Widens => "widens",
                    Effect::Narrows => "narrows",
                    Effect::Breaks => "breaks",
                },
                "backward": c.effect.allowed_in(Mode::Backward),
                "forward": c.effect.allowed_in(Mode::Forward),
                "full": c.effect.allowed_in(Mode::Full),
                "fails": c.fails(self.mode),
                "accepted": c.accepted,
                "file": c.at.as_ref().map(|a| a.file.clone()),
                "line": c.at.as_ref().map(|a| a.line),
                "column": c.at.as_ref().map(|a| a.col),
            })
        };
        json!({
            "old": self.old,
            "new": self.new,
            "mode": self.mode.to_string(),
            "compatible": self.is_compatible(),
            "api": self.api.iter().map(change).collect::<Vec<_>>(),
            "messages": self.messages.iter().map(|m| json!({
                "message": m.message,
                "compatible": m.changes.iter().all(|c| !c.fails(self.mode)),
                "changes": m.changes.iter().map(change).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }

    fn github(&self) -> String {
        let mut out = String::new();
        for (name, changes) in self.groups() {
            for c in changes {
                let level = if c.fails(self.mode) {
                    "error"
                } else {
                    "notice"
                };
                let mut props = Vec::new();
                if let Some(at) = &c.at {
                    props.push(format!("file={}", property(&at.file)));
                    props.push(format!("line={}", at.line));
                    props.push(format!("col={}", at.col));
                }
                props.push(format!(
                    "title={}",
                    property(&format!("tidings diff: {}", c.rule))
                ));
                let message = format!(
                    "{name}: {} at {} ({} → {}){}",
                    c.rule,
                    c.path,
                    c.old.as_deref().unwrap_or("—"),
                    c.new.as_deref().unwrap_or("—"),
                    c.accepted
                        .as_deref()
                        .map(|a| format!("; accepted: {a}"))
                        .unwrap_or_default()
                );
                let _ = writeln!(out, "::{level} {}::{}", props.join(","), data(&message));
            }
        }
        if out.is_empty() {
            let _ = writeln!(out, "::notice title=tidings diff::no changes");
        }
        out
    }

    /// One `<testsuite>`: a test case per message (and one for the API).
    fn junit_suite(&self) -> String {
        let groups = self.groups();
        let failures = groups
            .iter()
            .filter(|(_, cs)| cs.iter().any(|c| c.fails(self.mode)))
            .count();
        let mut out = String::new();
        let suite = format!(
            "tidings diff {} → {} ({} mode)",
            self.old, self.new, self.mode
        );
        let _ = writeln!(
            out,
            "<testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">",
            xml(&suite),
            groups.len().max(1)
        );
        if groups.is_empty() {
            let _ = writeln!(
                out,
                "<testcase classname=\"{}\" name=\"no changes\"/>",
                xml(&self.new)
            );
        }
        for (name, changes) in groups {
            let failing: Vec<&Change> = changes.iter().filter(|c| c.fails(self.mode)).collect();
            let _ = write!(
                out,
                "<testcase classname=\"{}\" name=\"{}\"",
                xml(&self.new),
                xml(name)
            );
            if failing.is_empty() {
                out.push_str("/>\n");
                continue;
            }
            let details: Vec<String> = failing
                .iter()
                .map(|c| {
                    let place =
                        c.at.as_ref()
                            .map(|a| format!(" ({}:{}:{})", a.file, a.line, a.col))
                            .unwrap_or_default();
                    format!(
                        "{} at {}: {} → {}{place}",
                        c.rule,
                        c.path,
                        c.old.as_deref().unwrap_or("—"),
                        c.new.as_deref().unwrap_or("—")
                    )
                })
                .collect();
            let _ = writeln!(
                out,
                "><failure message=\"{} incompatible change(s)\">{}</failure></testcase>",
                failing.len(),
                xml(&details.join("\n"))
            );
        }
        out.push_str("</testsuite>\n");
        out
    }
}

/// Escapes a workflow command's message.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
