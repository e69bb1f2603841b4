//! The API level: which messages correspond, and what changed in channels and operations.

use std::collections::{BTreeMap, HashSet};

use super::{Change, Effect, Position};
use crate::model::{Action, Catalog, Message, MessageId};

/// How a message is named in reports: its name, and its key when that differs.
pub(super) fn label(m: &Message) -> String {
    if m.key == m.name || m.key.is_empty() {
        m.name.clone()
    } else {
        format!("{} ({})", m.name, m.key)
    }
}

/// Where a message's payload is in its spec, if known.
pub(super) fn position(catalog: &Catalog, m: &Message) -> Option<Position> {
    let document = &catalog.schema_document;
    (m.payload_schema.iter())
        .chain(&m.headers_schema)
        .find_map(|entry| document.position(entry))
        .map(|p| Position {
            file: p.file.clone(),
            line: p.line,
            col: p.col,
        })
}

/// Pairs of corresponding messages: same key, else same name and version (when that is
/// unique on both sides), else same name (when unique).
pub(super) fn matched_messages(old: &Catalog, new: &Catalog) -> Vec<(MessageId, MessageId)> {
    let mut pairs = Vec::new();
    let mut taken_new = HashSet::new();
    let mut unmatched_old = Vec::new();
    let unique = |c: &Catalog, f: &dyn Fn(&Message) -> String| {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for m in &c.messages {
            *counts.entry(f(m)).or_default() += 1;
        }
        counts
    };
    let by_key = |m: &Message| m.key.clone();
    let (old_keys, new_keys) = (unique(old, &by_key), unique(new, &by_key));
    for (i, m) in old.messages.iter().enumerate() {
        let found = (old_keys.get(&m.key) == Some(&1) && new_keys.get(&m.key) == Some(&1))
            .then(|| new.messages.iter().position(|n| n.key == m.key))
            .flatten();
        match found {
            Some(j) => {
                taken_new.insert(j);
                pairs.push((MessageId(i), MessageId(j)));
            }
            None => unmatched_old.push(i),
        }
    }
    let fallbacks: [&dyn Fn(&Message) -> String; 2] = [
        &|m: &Message| format!("{}@{}", m.name, m.version.as_deref().unwrap_or("")),
        &|m: &Message| m.name.clone(),
    ];
    for f in fallbacks {
        if unmatched_old.is_empty() {
            break;
        }
        let (old_counts, new_counts) = (unique(old, f), unique(new, f));
        unmatched_old.retain(|&i| {
            let id = f(&old.messages[i]);
            if old_counts.get(&id) != Some(&1) || new_counts.get(&id) != Some(&1) {
                return true;
            }
            match new
                .messages
                .iter()
                .enumerate()
                .find(|(j, n)| !taken_new.contains(j) && f(n) == id)
            {
                Some((j, _)) => {
                    taken_new.insert(j);
                    pairs.push((MessageId(i), MessageId(j)));
                    false
                }
                None => true,
            }
        });
    }
    // Messages without a unique name (2.x inline messages, say): by position among the
    // unmatched messages of the same channel.
    for oc in &old.channels {
        let Some(nc) = new.channels.iter().find(|c| c.key == oc.key) else {
            continue;
        };
        let olds: Vec<usize> = oc
            .messages
            .iter()
            .map(|m| m.0)
            .filter(|i| unmatched_old.contains(i))
            .collect();
        let news: Vec<usize> = nc
            .messages
            .iter()
            .map(|m| m.0)
            .filter(|j| !taken_new.contains(j))
            .collect();
        for (&i, &j) in olds.iter().zip(&news) {
            taken_new.insert(j);
            unmatched_old.retain(|&u| u != i);
            pairs.push((MessageId(i), MessageId(j)));
        }
    }
    pairs
}

/// Changes of channels, their messages and the operations on them.
pub(super) fn changes(old: &Catalog, new: &Catalog) -> Vec<Change> {
    let mut out = Vec::new();
    let pairs = matched_messages(old, new);
    let counterpart = |i: MessageId| pairs.iter().find(|(o, _)| *o == i).map(|(_, n)| *n);
    let change =
        |rule: &str, path: String, old: Option<String>, new: Option<String>, effect| Change {
            rule: rule.into(),
            path,
            old,
            new,
            effect,
            at: None,
            accepted: None,
        };

    for oc in &old.channels {
        let path = format!("/channels/{}", crate::source::pointer::escape(&oc.key));
        let Some(nc) = new
            .channels
            .iter()
            .find(|c| c.key == oc.key)
            .or_else(|| new.channels.iter().find(|c| c.address == oc.address))
        else {
            out.push(change(
                "channel-removed",
                path,
                oc.address.clone().or_else(|| Some(oc.key.clone())),
                None,
                Effect::Narrows,
            ));
            continue;
        };
        if oc.address != nc.address {
            out.push(change(
                "channel-address-changed",
                format!("{path}/address"),
                oc.address.clone(),
                nc.address.clone(),
                Effect::Breaks,
            ));
        }
        let params = |c: &crate::model::Channel| {
            c.parameters
                .iter()
                .map(|p| {
                    let mut allowed = p.allowed.clone();
                    allowed.sort();
                    format!("{}{:?}", p.name, allowed)
                })
                .collect::<std::collections::BTreeSet<_>>()
        };
        if params(oc) != params(nc) {
            let show = |c: &crate::model::Channel| {
                Some(params(c).into_iter().collect::<Vec<_>>().join(", "))
            };
            out.push(change(
                "channel-parameters-changed",
                format!("{path}/parameters"),
                show(oc),
                show(nc),
                Effect::Breaks,
            ));
        }
        // Messages of the channel: removed ones break readers of old data.
        for &om in &oc.messages {
            let still = counterpart(om).is_some_and(|nm| nc.messages.contains(&nm));
            if !still {
                out.push(change(
                    "message-removed",
                    format!("{path}/messages"),
                    Some(label(&old.messages[om.0])),
                    None,
                    Effect::Narrows,
                ));
            }
        }
        for &nm in &nc.messages {
            let known = pairs
                .iter()
                .any(|(om, n)| *n == nm && oc.messages.contains(om));
            if !known {
                out.push(change(
                    "message-added",
                    format!("{path}/messages"),
                    None,
                    Some(label(&new.messages[nm.0])),
                    Effect::Compatible,
                ));
            }
        }
    }
    for nc in &new.channels {
        let existed = old
            .channels
            .iter()
            .any(|c| c.key == nc.key || c.address == nc.address);
        if !existed {
            out.push(change(
                "channel-added",
                format!("/channels/{}", crate::source::pointer::escape(&nc.key)),
                None,
                nc.address.clone().or_else(|| Some(nc.key.clone())),
                Effect::Compatible,
            ));
        }
    }
    // Messages that no channel carries (only in `components`) and that are gone.
    for (i, m) in old.messages.iter().enumerate() {
        let in_channel = old
            .channels
            .iter()
            .any(|c| c.messages.contains(&MessageId(i)));
        if !in_channel && counterpart(MessageId(i)).is_none() {
            out.push(change(
                "message-removed",
                "/components/messages".to_owned(),
                Some(label(m)),
                None,
                Effect::Narrows,
            ));
        }
    }
    for no in &new.operations {
        if !old.operations.iter().any(|o| o.key == no.key) {
            out.push(change(
                "operation-added",
                format!("/operations/{}", crate::source::pointer::escape(&no.key)),
                None,
                Some(no.key.clone()),
                Effect::Compatible,
            ));
        }
    }
    for oo in &old.operations {
        let Some(no) = new.operations.iter().find(|o| o.key == oo.key) else {
            // What the application sent or received is no longer described.
            out.push(change(
                "operation-removed",
                format!("/operations/{}", crate::source::pointer::escape(&oo.key)),
                Some(oo.key.clone()),
                None,
                Effect::Narrows,
            ));
            continue;
        };
        if oo.action != no.action {
            let show = |a: Action| {
                Some(
                    match a {
                        Action::Send => "send",
                        Action::Receive => "receive",
                    }
                    .to_owned(),
                )
            };
            out.push(change(
                "operation-action-changed",
                format!(
                    "/operations/{}/action",
                    crate::source::pointer::escape(&oo.key)
                ),
                show(oo.action),
                show(no.action),
                Effect::Breaks,
            ));
        }
    }
    out
}
