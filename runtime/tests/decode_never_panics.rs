//! `decode_json` returns an error, never a panic, whatever the bytes.

use proptest::prelude::*;
use serde::Deserialize;
use serde_json::Value;
use tidings::{decode_json, DecodeError};

#[derive(Debug, Deserialize)]
#[allow(dead_code)] // Read by serde only.
struct Order {
    id: String,
    lines: Vec<Line>,
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Line {
    sku: String,
    quantity: u16,
}

const ORDER: &str = r#"{"id": "o-1", "lines": [{"sku": "a/b~c", "quantity": 2}], "note": null}"#;

/// Shape errors name a pointer into the payload that `serde_json` can resolve.
fn check(result: Result<impl Sized, DecodeError>, payload: &[u8]) {
    if let Err(DecodeError::Shape { path, .. }) = result {
        assert!(path.is_empty() || path.starts_with('/'), "{path:?}");
        if let Ok(document) = serde_json::from_slice::<Value>(payload) {
            assert!(
                document.pointer(&path).is_some() || path.rsplit_once('/').is_some(),
                "{path:?} not in {document}"
            );
        }
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes(payload in proptest::collection::vec(any::<u8>(), 0..256)) {
        check(decode_json::<Order>(&payload), &payload);
        check(decode_json::<Value>(&payload), &payload);
    }

    #[test]
    fn corrupted_payloads(position in 0..ORDER.len(), byte in any::<u8>(), cut in 0..=ORDER.len()) {
        let mut payload = ORDER.as_bytes().to_vec();
        payload[position] = byte;
        payload.truncate(cut.max(position + 1));
        check(decode_json::<Order>(&payload), &payload);
    }

    #[test]
    fn deep_nesting(depth in 0..2_000usize, open in prop::sample::select(vec![b'[', b'{'])) {
        let mut payload = Vec::new();
        for _ in 0..depth {
            payload.push(open);
            if open == b'{' {
                payload.extend_from_slice(br#""k":"#);
            }
        }
        payload.push(b'1');
        check(decode_json::<Order>(&payload), &payload);
        check(decode_json::<Value>(&payload), &payload);
    }
}
