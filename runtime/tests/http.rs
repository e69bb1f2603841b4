//! The CloudEvents HTTP binding: a webhook sender and a receiver on a local port.
//!
//! No service needs starting: the receiver runs in the test.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod common;

use serde::{Deserialize, Serialize};
use tidings::http::Http;
use tidings::reliability::RetryPolicy;
use tidings::{Consumer, Context, Envelope, HandlerResult, Incoming, Outcome, Publisher, Route};

#[derive(Debug, Clone, Serialize, Deserialize, tidings::Event, tidings::Validate)]
#[event(type = "com.acme.ping", version = "1.0.0", source = "/tests")]
struct Ping {
    #[validate(maximum = 1_000_000)]
    n: u32,
}

/// Records the pings it handles; fails each ping's first `fail_first` requests.
#[derive(Clone, Default)]
struct Pings {
    seen: Arc<Mutex<Vec<u32>>>,
    subjects: Arc<Mutex<Vec<Option<String>>>>,
    calls: Arc<AtomicU32>,
    fail_first: u32,
}

impl Route for Pings {
    const OPERATION: &'static str = "pings";
    const ADDRESS: &'static str = "pings/{shard}";

    async fn route(&self, incoming: Incoming<'_>, ctx: &Context<'_>) -> Outcome {
        match incoming.event_type() {
            "com.acme.ping" => match incoming.decode::<Ping>() {
                Ok(event) => self.handle(event, ctx).await.into(),
                Err(error) => Outcome::undecodable("com.acme.ping", error),
            },
            other => Outcome::unknown(other),
        }
    }
}

impl Pings {
    async fn handle(&self, event: Envelope<Ping>, _ctx: &Context<'_>) -> HandlerResult {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if call <= self.fail_first {
            return Err(format!("call {call} fails").into());
        }
        self.seen.lock().unwrap().push(event.data.n);
        let subject = event.subject.as_deref().map(str::to_owned);
        self.subjects.lock().unwrap().push(subject);
        Ok(())
    }
}

/// A receiver on a free port serving `pings`, and a webhook sender pointing at it.
async fn pair(pings: Pings) -> (Http, Http) {
    let (receiver, addr) = serve(pings).await;
    let sender = Http::webhook(&format!("http://{addr}")).with_retry(
        RetryPolicy::exponential(Duration::from_millis(10), Duration::from_millis(100))
            .max_attempts(4)
            .jitter(0.0),
    );
    (sender, receiver)
}

/// A receiver on a free port serving `pings`, and its address.
async fn serve(pings: Pings) -> (Http, std::net::SocketAddr) {
    let (receiver, addr) = Http::receiver("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let worker = Consumer::new(receiver.clone())
        // A failed handler is answered with 503 (every request is a first attempt here, so
        // two attempts mean "retry"); the sender owns the retries.
        .max_attempts(2)
        .subscribe(pings)
        .await
        .unwrap();
    tokio::spawn(worker.run());
    (receiver, addr)
}

#[tokio::test]
async fn webhooks_deliver_in_binary_mode() {
    let pings = Pings::default();
    let (sender, _receiver) = pair(pings.clone()).await;
    let publisher = Publisher::new(sender);
    for n in 0..20 {
        publisher.publish("pings/a", Ping { n }).await.unwrap();
    }
    // Each publish returned after its 200: everything is there.
    assert_eq!(*pings.seen.lock().unwrap(), (0..20).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_failing_receiver_is_retried_until_it_takes_the_event() {
    let pings = Pings {
        fail_first: 2,
        ..Pings::default()
    };
    let (sender, _receiver) = pair(pings.clone()).await;
    Publisher::new(sender)
        .publish("pings/a", Ping { n: 9 })
        .await
        .unwrap();
    assert_eq!(*pings.seen.lock().unwrap(), [9]);
    assert_eq!(pings.calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn an_invalid_event_is_refused_and_not_retried() {
    use tidings::transport::{RawMessage, Transport};
    let pings = Pings::default();
    let (sender, receiver) = pair(pings.clone()).await;
    let good = Publisher::new(sender.clone()).envelope(Ping { n: 1 });
    let (headers, _) = good.to_binary(sender.binding()).unwrap();
    let err = sender
        .publish(RawMessage {
            address: "pings/a".into(),
            key: None,
            headers,
            body: br#"{"n": 5000000}"#.to_vec(),
        })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("422"), "{err}");
    let dead = receiver.dead_letters();
    assert_eq!(dead.len(), 1, "dead-lettered once, not retried");
    assert!(dead[0].reason.contains("/n"), "{}", dead[0].reason);
    assert!(pings.seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_address_nobody_serves_is_a_final_404_and_a_dead_server_is_retried() {
    let (sender, _receiver) = pair(Pings::default()).await;
    let err = Publisher::new(sender)
        .publish("elsewhere/a", Ping { n: 1 })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("404"), "{err}");

    // Nothing listens there: every attempt fails to connect, then it gives up.
    let nobody = Http::webhook("http://127.0.0.1:9").with_retry(
        RetryPolicy::exponential(Duration::from_millis(5), Duration::from_millis(20))
            .max_attempts(3),
    );
    let err = Publisher::new(nobody)
        .publish("pings/a", Ping { n: 1 })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("attempt 3"), "{err}");
}

/// Sends `request` as written to `addr` and returns the status line of the answer.
async fn raw_request(addr: std::net::SocketAddr, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    answer.lines().next().unwrap_or_default().to_owned()
}

/// A binary-mode request as another CloudEvents SDK writes it, its `ce-subject` percent-encoded
/// as the HTTP binding requires (the binding's own example value: "Euro € 😀").
fn recorded_request(subject: &str) -> String {
    let body = r#"{"n":7}"#;
    format!(
        "POST /pings/a HTTP/1.1\r\nHost: localhost\r\nce-specversion: 1.0\r\n\
         ce-type: com.acme.ping\r\nce-source: /tests\r\nce-id: A234-1234-1234\r\n\
         ce-subject: {subject}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test]
async fn attribute_headers_are_percent_decoded_when_read() {
    let pings = Pings::default();
    let (_receiver, addr) = serve(pings.clone()).await;
    let status = raw_request(addr, &recorded_request("Euro%20%E2%82%AC%20%F0%9F%98%80")).await;
    assert!(status.contains("200"), "{status}");
    assert_eq!(
        *pings.subjects.lock().unwrap(),
        [Some("Euro € 😀".to_owned())]
    );

    // Not percent-encoded UTF-8: refused with the reason, never handled.
    let status = raw_request(addr, &recorded_request("%FF%FE")).await;
    assert!(status.contains("400"), "{status}");
    assert_eq!(pings.seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn attribute_headers_are_percent_encoded_when_sent() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let subject = "a b \"%41\" € 😀";

    // Round trip through tidings' own receiver.
    let pings = Pings::default();
    let (sender, _receiver) = pair(pings.clone()).await;
    let publisher = Publisher::new(sender);
    let mut envelope = publisher.envelope(Ping { n: 1 });
    envelope.subject = Some(subject.into());
    publisher.send("pings/a", &envelope).await.unwrap();
    assert_eq!(*pings.subjects.lock().unwrap(), [Some(subject.to_owned())]);

    // On the wire: a listener that records the request head and answers 200.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let head = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            stream.read_exact(&mut byte).await.unwrap();
            head.push(byte[0]);
        }
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            .await
            .unwrap();
        String::from_utf8(head).unwrap()
    });
    let publisher = Publisher::new(Http::webhook(&format!("http://{addr}")));
    publisher.send("pings/a", &envelope).await.unwrap();
    let head = head.await.unwrap().to_ascii_lowercase();
    assert!(
        head.contains("ce-subject: a%20b%20%22%2541%22%20%e2%82%ac%20%f0%9f%98%80\r\n"),
        "{head}"
    );
    assert!(head.contains("ce-type: com.acme.ping\r\n"), "{head}");
}

/// Webhooks over TLS to a receiver that asks for client certificates: delivered with the
/// test CA and a client certificate; refused without a certificate, and to a sender that
/// trusts another CA.
#[tokio::test]
async fn webhooks_deliver_over_tls_and_a_wrong_ca_is_refused() {
    use common::tls::{other_ca, Pki};
    use tidings::transport::tls::{ServerTls, Tls};

    let pki = Pki::new("http");
    let read = |name: &str| std::fs::read(pki.dir.join(name)).unwrap();
    let server = ServerTls {
        certificates: read("server.pem"),
        key: read("server.key"),
        client_roots: Some(pki.ca.clone().into_bytes()),
    };
    let (receiver, addr) = Http::receiver_tls("127.0.0.1:0".parse().unwrap(), &server)
        .await
        .unwrap();
    let pings = Pings::default();
    let worker = Consumer::new(receiver.clone())
        .subscribe(pings.clone())
        .await
        .unwrap();
    tokio::spawn(worker.run());
    let base = format!("https://localhost:{}", addr.port());
    let once = RetryPolicy::immediate().max_attempts(1);

    let trusted = Tls::with_roots(pki.ca.clone())
        .with_client(pki.client_cert.clone(), pki.client_key.clone());
    let publisher = Publisher::new(
        Http::webhook_tls(&base, &trusted)
            .unwrap()
            .with_retry(once.clone()),
    );
    for n in 0..5 {
        publisher.publish("pings/a", Ping { n }).await.unwrap();
    }
    assert_eq!(*pings.seen.lock().unwrap(), (0..5).collect::<Vec<_>>());

    let anonymous = Tls::with_roots(pki.ca.clone());
    let publisher = Publisher::new(
        Http::webhook_tls(&base, &anonymous)
            .unwrap()
            .with_retry(once.clone()),
    );
    assert!(
        publisher.publish("pings/a", Ping { n: 98 }).await.is_err(),
        "no client certificate, no entry"
    );
    let wrong =
        Tls::with_roots(other_ca()).with_client(pki.client_cert.clone(), pki.client_key.clone());
    let publisher = Publisher::new(Http::webhook_tls(&base, &wrong).unwrap().with_retry(once));
    let error = publisher
        .publish("pings/a", Ping { n: 99 })
        .await
        .expect_err("a sender that trusts another CA is refused");
    assert!(
        format!("{error:?}").to_lowercase().contains("certificate"),
        "{error:?}"
    );
    assert_eq!(pings.seen.lock().unwrap().len(), 5);
}
