//! W3C trace context across brokers, by the CloudEvents distributed-tracing extension.
//!
//! Every event tidings publishes carries a `traceparent` (and the `tracestate` it was given):
//! the publish span's place in a trace. A worker reads it back, so that its `process` span is
//! the publish span's child, and what a handler publishes is the process span's child: one
//! trace from the first publisher through every handler, whatever brokers it crosses.
//!
//! The ids are recorded on the spans as `trace_id`, `span_id` and `parent_span_id` (lowercase
//! hex, as in `traceparent`), the fields log pipelines correlate on. The context a handler
//! runs in is kept per task by [`TraceContext::scope`]; an event published outside any handler
//! starts a new trace.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

/// The `traceparent` extension attribute.
pub const TRACEPARENT: &str = "traceparent";
/// The `tracestate` extension attribute.
pub const TRACESTATE: &str = "tracestate";

/// One span's place in a W3C trace: the `traceparent` version 00 fields and the `tracestate`.
#[derive(Clone, PartialEq, Eq)]
pub struct TraceContext {
    /// The trace, 16 bytes, not all zero.
    pub trace_id: [u8; 16],
    /// The span, 8 bytes, not all zero.
    pub span_id: [u8; 8],
    /// The trace flags (bit 0: sampled).
    pub flags: u8,
    /// The vendor `tracestate`, passed on as it came.
    pub state: Option<Arc<str>>,
}

impl TraceContext {
    /// A new trace (sampled), with a random trace id and span id.
    pub fn root() -> TraceContext {
        // A v4 UUID's bytes: random but for the version and variant bits (6 of 128).
        let trace_id = uuid::Uuid::new_v4().into_bytes();
        TraceContext {
            trace_id,
            span_id: new_span_id(),
            flags: 1,
            state: None,
        }
    }

    /// A span in the same trace whose parent is this one. Only the flags version 00 defines
    /// (sampled, random) are passed on, as the recommendation asks of unknown ones.
    pub fn child(&self) -> TraceContext {
        TraceContext {
            trace_id: self.trace_id,
            span_id: new_span_id(),
            flags: self.flags & 0x03,
            state: self.state.clone(),
        }
    }

    /// Reads a `traceparent` (and its `tracestate`): `None` when it is not a well-formed
    /// version 00 value, or a later version's first 55 characters do not read as one (as
    /// the W3C recommendation asks).
    pub fn parse(traceparent: &str, tracestate: Option<&str>) -> Option<TraceContext> {
        let value = traceparent.trim();
        let bytes = value.as_bytes();
        // Every valid value is ASCII; checking first keeps the byte offsets below on
        // character boundaries whatever a sender puts there.
        if bytes.len() < 55 || !value.is_ascii() {
            return None;
        }
        let version = hex::<1>(&value[0..2])?[0];
        if version == 0xff
            || (version == 0 && bytes.len() != 55)
            || (version > 0 && bytes.len() > 55 && bytes[55] != b'-')
        {
            return None;
        }
        if bytes[2] != b'-' || bytes[35] != b'-' || bytes[52] != b'-' {
            return None;
        }
        let trace_id = hex::<16>(&value[3..35])?;
        let span_id = hex::<8>(&value[36..52])?;
        let flags = hex::<1>(&value[53..55])?[0];
        if trace_id == [0; 16] || span_id == [0; 8] {
            return None;
        }
        let state = tracestate
            .map(str::trim)
            .filter(|state| !state.is_empty())
            .map(Arc::from);
        Some(TraceContext {
            trace_id,
            span_id,
            flags,
            state,
        })
    }

    /// The `traceparent` value: `00-{trace id}-{span id}-{flags}`.
    pub fn traceparent(&self) -> String {
        let mut out = String::with_capacity(55);
        out.push_str("00-");
        push_hex(&mut out, &self.trace_id);
        out.push('-');
        push_hex(&mut out, &self.span_id);
        out.push('-');
        push_hex(&mut out, &[self.flags]);
        out
    }

    /// The trace id in lowercase hex.
    pub fn trace_id_hex(&self) -> String {
        let mut out = String::with_capacity(32);
        push_hex(&mut out, &self.trace_id);
        out
    }

    /// The span id in lowercase hex.
    pub fn span_id_hex(&self) -> String {
        let mut out = String::with_capacity(16);
        push_hex(&mut out, &self.span_id);
        out
    }

    /// The context of the handler running on this task, if any.
    pub fn current() -> Option<TraceContext> {
        CURRENT.with(|current| current.borrow().clone())
    }

    /// Runs `future` with `self` as the [`current`](Self::current) context: what it
    /// publishes is this span's child.
    pub fn scope<F: Future>(self, future: F) -> Scoped<F> {
        Scoped {
            context: Some(self),
            future,
        }
    }
}

impl fmt::Debug for TraceContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraceContext")
            .field("traceparent", &self.traceparent())
            .field("tracestate", &self.state)
            .finish()
    }
}

thread_local! {
    static CURRENT: RefCell<Option<TraceContext>> = const { RefCell::new(None) };
}

pin_project_lite::pin_project! {
    /// A future run with a [`TraceContext`] as the current one, from [`TraceContext::scope`].
    pub struct Scoped<F> {
        context: Option<TraceContext>,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        let this = self.project();
        // The context is this future's while it is polled, and given back (with the outer
        // one restored) when a poll ends, also by a panic.
        struct Restore<'a> {
            slot: &'a mut Option<TraceContext>,
            outer: Option<TraceContext>,
        }
        impl Drop for Restore<'_> {
            fn drop(&mut self) {
                let outer = self.outer.take();
                *self.slot = CURRENT.with(|current| current.replace(outer));
            }
        }
        let outer = CURRENT.with(|current| current.replace(this.context.take()));
        let _restore = Restore {
            slot: this.context,
            outer,
        };
        this.future.poll(cx)
    }
}

/// `bytes` (up to 16) in lowercase hex, written into `buffer`.
pub(crate) fn hex_in<'b>(bytes: &[u8], buffer: &'b mut [u8; 32]) -> &'b str {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let out = &mut buffer[..bytes.len() * 2];
    for (pair, byte) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 15)];
    }
    std::str::from_utf8(out).expect("hex digits are ASCII")
}

fn new_span_id() -> [u8; 8] {
    let random = uuid::Uuid::new_v4().into_bytes();
    let mut id = [0; 8];
    // Bytes 8..16 of a v4 UUID: all random but the two variant bits of byte 8.
    id.copy_from_slice(&random[8..16]);
    id[0] ^= random[0];
    if id == [0; 8] {
        id[7] = 1;
    }
    id
}

fn hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let bytes = text.as_bytes();
    if bytes.len() != 2 * N {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0; N];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = (digit(pair[0])? << 4) | digit(pair[1])?;
    }
    Some(out)
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    let mut buffer = [0; 32];
    out.push_str(hex_in(bytes, &mut buffer));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparent_round_trips_and_rejects_what_w3c_rejects() {
        let value = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let context = TraceContext::parse(value, Some(" rojo=00f067aa0ba902b7 ")).unwrap();
        assert_eq!(context.traceparent(), value);
        assert_eq!(context.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(context.span_id_hex(), "00f067aa0ba902b7");
        assert_eq!(context.flags, 1);
        assert_eq!(context.state.as_deref(), Some("rojo=00f067aa0ba902b7"));
        // A later version with more fields is read by its first four.
        assert!(TraceContext::parse(&format!("cc-{}-what", &value[3..]), None).is_some());
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
            // Multi-byte characters where the fields are cut: rejected, not a panic.
            "0é-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473é-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0é",
        ] {
            assert_eq!(TraceContext::parse(bad, None), None, "{bad}");
        }
    }

    proptest::proptest! {
        /// Whatever arrives in the header is read or refused, never a panic; what is read
        /// is written back the same.
        #[test]
        fn parsing_never_panics(
            value in proptest::string::string_regex("(00|cc|ff|0é)?-?[0-9a-fé-]{0,60}").unwrap(),
            noise in "\\PC{0,60}",
        ) {
            for text in [value.as_str(), noise.as_str()] {
                if let Some(context) = TraceContext::parse(text, Some(text)) {
                    if text.starts_with("00-") {
                        proptest::prop_assert_eq!(context.traceparent(), text.trim());
                    }
                }
            }
        }
    }

    #[test]
    fn children_share_the_trace_and_not_the_span() {
        let root = TraceContext::root();
        assert!(TraceContext::parse(&root.traceparent(), None).is_some());
        let child = root.child();
        assert_eq!(child.trace_id, root.trace_id);
        let future_flags = TraceContext {
            flags: 0xff,
            ..root.clone()
        };
        assert_eq!(
            future_flags.child().flags,
            0x03,
            "unknown flags are not passed on"
        );
        assert_ne!(child.span_id, root.span_id);
        assert_ne!(TraceContext::root().trace_id, root.trace_id);
    }

    #[test]
    fn the_scope_is_current_only_while_its_future_runs() {
        let root = TraceContext::root();
        let inner = root.clone();
        let future = root.clone().scope(async move {
            assert_eq!(TraceContext::current(), Some(inner));
        });
        assert_eq!(TraceContext::current(), None);
        futures_util::FutureExt::now_or_never(future).unwrap();
        assert_eq!(TraceContext::current(), None);
    }
}
