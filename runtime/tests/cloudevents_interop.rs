//! Interop with the CloudEvents SDK for Rust (`cloudevents-sdk`), in both directions.
//!
//! Envelopes tidings writes parse in the SDK, and events the SDK builds decode in tidings, in
//! structured and binary (HTTP binding) content mode.

use cloudevents::binding::http::{to_event, Builder, Serializer};
use cloudevents::message::BinaryDeserializer;
use cloudevents::{AttributesReader, Event, EventBuilder, EventBuilderV10};
use serde::{Deserialize, Serialize};
use tidings::envelope::{Binding, Envelope};

#[derive(Serialize, Deserialize, tidings::Event, Debug, PartialEq, Clone)]
#[event(
    type = "com.nx-monorepo.build.completed",
    version = "1.0.0",
    source = "/nx/builds"
)]
struct BuildCompleted {
    build_id: String,
    duration: u64,
}

fn tidings_envelope() -> Envelope<BuildCompleted> {
    let mut e = Envelope::new(BuildCompleted {
        build_id: "build_123".into(),
        duration: 42,
    });
    e.correlation_id = Some("0b9b1d3e-5c58-4b6f-9a87-6f5d0a4e2c11".into());
    e.subject = Some("proj_123".into());
    e.metadata.user_id = Some("user_456".into());
    e
}

fn sdk_event() -> Event {
    EventBuilderV10::new()
        .id("evt-1")
        .ty("com.nx-monorepo.build.completed")
        .source("/nx/builds")
        .subject("proj_123")
        .time("2025-03-01T12:00:00Z")
        .extension("correlationid", "corr-9")
        .extension("dataversion", "1.0.0")
        .data(
            "application/json",
            serde_json::json!({"build_id": "build_9", "duration": 7}),
        )
        .build()
        .expect("a valid event")
}

fn ext(event: &Event, name: &str) -> Option<String> {
    event.extension(name).map(|v| v.to_string())
}

#[test]
fn tidings_structured_parses_in_the_sdk() {
    let e = tidings_envelope();
    let event: Event = serde_json::from_slice(&e.to_structured().unwrap()).unwrap();
    assert_eq!(event.id(), e.id);
    assert_eq!(event.ty(), "com.nx-monorepo.build.completed");
    assert_eq!(event.source().to_string(), "/nx/builds");
    assert_eq!(event.subject(), Some("proj_123"));
    assert_eq!(event.time().copied(), e.time);
    assert_eq!(
        ext(&event, "correlationid").as_deref(),
        e.correlation_id.as_deref()
    );
    assert_eq!(ext(&event, "dataversion").as_deref(), Some("1.0.0"));
    assert_eq!(ext(&event, "userid").as_deref(), Some("user_456"));
    let data: BuildCompleted = serde_json::from_value(match event.data() {
        Some(cloudevents::Data::Json(v)) => v.clone(),
        other => panic!("{other:?}"),
    })
    .unwrap();
    assert_eq!(data, e.data);
}

#[test]
fn sdk_structured_decodes_in_tidings() {
    let bytes = serde_json::to_vec(&sdk_event()).unwrap();
    let e: Envelope<BuildCompleted> = Envelope::from_structured(&bytes).unwrap();
    assert_eq!(e.id, "evt-1");
    assert_eq!(e.event_type, "com.nx-monorepo.build.completed");
    assert_eq!(e.correlation_id.as_deref(), Some("corr-9"));
    assert_eq!(e.data_version.as_deref(), Some("1.0.0"));
    assert_eq!(e.time.unwrap().to_rfc3339(), "2025-03-01T12:00:00+00:00");
    assert_eq!(
        e.data,
        BuildCompleted {
            build_id: "build_9".into(),
            duration: 7
        }
    );
}

#[test]
fn tidings_binary_http_parses_in_the_sdk() {
    let e = tidings_envelope();
    let (headers, body) = e.to_binary(Binding::Http).unwrap();
    let mut map = http::HeaderMap::new();
    for (k, v) in &headers {
        map.insert(
            http::header::HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes()).unwrap(),
            http::HeaderValue::from_str(v).unwrap(),
        );
    }
    let event = to_event(&map, body).unwrap();
    assert_eq!(event.id(), e.id);
    assert_eq!(event.ty(), "com.nx-monorepo.build.completed");
    assert_eq!(event.datacontenttype(), Some("application/json"));
    assert_eq!(
        ext(&event, "correlationid").as_deref(),
        e.correlation_id.as_deref()
    );
}

/// Collects what the SDK's HTTP binary serializer writes.
struct Collect {
    headers: tidings::envelope::Headers,
}

impl Builder<(tidings::envelope::Headers, Vec<u8>)> for Collect {
    fn header(&mut self, key: &str, value: http::HeaderValue) {
        self.headers
            .push((key.to_string().into(), value.to_str().unwrap().to_string()));
    }

    fn body(
        &mut self,
        bytes: Vec<u8>,
    ) -> cloudevents::message::Result<(tidings::envelope::Headers, Vec<u8>)> {
        Ok((std::mem::take(&mut self.headers), bytes))
    }

    fn finish(&mut self) -> cloudevents::message::Result<(tidings::envelope::Headers, Vec<u8>)> {
        self.body(Vec::new())
    }
}

#[test]
fn sdk_binary_http_decodes_in_tidings() {
    let (headers, body) = BinaryDeserializer::deserialize_binary(
        sdk_event(),
        Serializer::new(Collect {
            headers: Vec::new(),
        }),
    )
    .unwrap();
    assert!(headers.iter().any(|(k, _)| k == "ce-id"), "{headers:?}");
    let e: Envelope<BuildCompleted> =
        Envelope::from_binary(Binding::Http, &headers, &body).unwrap();
    assert_eq!(e.id, "evt-1");
    assert_eq!(e.subject.as_deref(), Some("proj_123"));
    assert_eq!(e.correlation_id.as_deref(), Some("corr-9"));
    assert_eq!(e.data_content_type.as_deref(), Some("application/json"));
    assert_eq!(
        e.data,
        BuildCompleted {
            build_id: "build_9".into(),
            duration: 7
        }
    );
}
