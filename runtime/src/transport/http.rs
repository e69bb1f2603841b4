//! The CloudEvents HTTP binding (feature `http`): webhook delivery with retries, and a receiver.
//!
//! Delivery runs on [reqwest](https://docs.rs/reqwest), the receiver on
//! [axum](https://docs.rs/axum).
//!
//! - **Sending**: an event published to `acme/orders/o-17` is `POST`ed to
//!   `<base>/acme/orders/o-17` in binary mode (`ce-` headers, `Content-Type`). A 2xx answer
//!   delivers it; a 5xx answer, a 429 or a failed connection is retried with the webhook's
//!   [`RetryPolicy`] (a `Retry-After` header is honoured); any other 4xx is final.
//! - **Receiving**: [`Http::receiver`] serves `POST /<address>`; a request goes to the
//!   subscription whose pattern matches its path, and the answer is the settlement: `200`
//!   when handled or ignored, `503` (with `Retry-After` for delays of a second or more) to
//!   retry, `422` with the reason when dead-lettered (also kept in [`Http::dead_letters`]),
//!   `404` when nothing subscribes. The sender owns the retries: every request is a first
//!   attempt for the receiver, so give its consumer at least 2 attempts to answer failures
//!   with `503`.
//!   Consumer groups on one receiver: the first matching group takes the request.
//! - **Header values**: attribute headers (`ce-...`) are percent-encoded when written and
//!   decoded when read, as the binding requires (space, `"`, `%` and everything outside
//!   printable ASCII, as UTF-8 bytes): a `subject` of `a b` travels as `a%20b` and arrives as
//!   `a b`. A request whose attribute header is not valid percent-encoded UTF-8 is answered
//!   `400` with the reason.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};
use tokio::sync::{mpsc, oneshot};

use crate::envelope::Binding;
use crate::memory::DeadLetter;
use crate::reliability::RetryPolicy;
use crate::transport::tls::{ServerTls, Tls};
use crate::transport::{
    lock, BoxFuture, Delivered, Delivery, RawMessage, Settle, Settlement, Subscription, Transport,
    TransportError,
};

type Request = (RawMessage, oneshot::Sender<Settlement>);

/// The subscriptions of a receiver: address pattern and where its requests go.
type Routes = Arc<Mutex<Vec<(String, mpsc::Sender<Request>)>>>;

/// A webhook sender, a receiver, or both; clones share them.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    base: Option<Arc<str>>,
    retry: RetryPolicy,
    routes: Routes,
    dead_letters: Arc<Mutex<Vec<DeadLetter>>>,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("base", &self.base)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Http {
    /// Delivers to webhooks under `base` (`http://127.0.0.1:8080/events`), retrying by
    /// [`RetryPolicy::default`].
    pub fn webhook(base: &str) -> Self {
        Http {
            client: reqwest::Client::new(),
            base: Some(Arc::from(base.trim_end_matches('/'))),
            retry: RetryPolicy::default(),
            routes: Arc::default(),
            dead_letters: Arc::default(),
        }
    }

    /// Delivers to webhooks under an `https://` `base` with `tls`'s roots (instead of the
    /// system's, which [`webhook`](Self::webhook) trusts) and client certificate.
    pub fn webhook_tls(base: &str, tls: &Tls) -> Result<Self, TransportError> {
        let client = reqwest::Client::builder()
            .use_preconfigured_tls((*tls.client_config()?).clone())
            .build()
            .map_err(TransportError::broker)?;
        Ok(Http {
            client,
            ..Http::webhook(base)
        })
    }

    /// The same, retrying failed deliveries by `policy`.
    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Serves `POST /<address>` on `addr` (port 0 picks one); returns the transport, for
    /// subscribing, and the address it listens on. The server runs until the process ends.
    pub async fn receiver(addr: SocketAddr) -> Result<(Self, SocketAddr), TransportError> {
        let http = Http::unbound();
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(TransportError::broker)?;
        let local = listener.local_addr().map_err(TransportError::broker)?;
        let app = http.app();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok((http, local))
    }

    /// [`receiver`](Self::receiver) over TLS (`https://`), with `tls`'s certificate; when
    /// it names client roots, only clients with a certificate that chains to them get in.
    pub async fn receiver_tls(
        addr: SocketAddr,
        tls: &ServerTls,
    ) -> Result<(Self, SocketAddr), TransportError> {
        let acceptor = tokio_rustls::TlsAcceptor::from(tls.server_config()?);
        let http = Http::unbound();
        let tcp = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(TransportError::broker)?;
        let local = tcp.local_addr().map_err(TransportError::broker)?;
        let (ready, accepted) = mpsc::channel(64);
        tokio::spawn(handshakes(tcp, acceptor, ready));
        let listener = TlsListener { accepted, local };
        let app = http.app();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok((http, local))
    }

    /// A receiver with no listener yet.
    fn unbound() -> Self {
        Http {
            client: reqwest::Client::new(),
            base: None,
            retry: RetryPolicy::default(),
            routes: Arc::default(),
            dead_letters: Arc::default(),
        }
    }

    /// The receiver's routes.
    fn app(&self) -> axum::Router {
        axum::Router::new()
            .route("/{*address}", axum::routing::post(receive))
            .with_state(self.clone())
    }

    /// The requests answered `422` so far, with their reasons.
    pub fn dead_letters(&self) -> Vec<DeadLetter> {
        lock(&self.dead_letters).clone()
    }
}

/// What the binding percent-encodes in attribute header values: space, `"`, `%`, controls;
/// bytes outside ASCII are always encoded.
const ENCODED: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'%');

/// Whether `header` carries a context attribute (`ce-...`, in any case).
fn is_attribute(header: &str) -> bool {
    header
        .get(..3)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("ce-"))
}

/// An attribute header's value, percent-decoded into UTF-8.
fn decode_value(raw: &[u8]) -> Result<String, String> {
    let text = std::str::from_utf8(raw)
        .map_err(|_| "the value is not ASCII; attribute values are percent-encoded".to_owned())?;
    percent_decode_str(text)
        .decode_utf8()
        .map(|value| value.into_owned())
        .map_err(|_| "the percent-decoded value is not UTF-8".to_owned())
}

/// Hands a request to the matching subscription and answers with its settlement.
async fn receive(
    State(http): State<Http>,
    Path(address): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let target = lock(&http.routes)
        .iter()
        .find(|(pattern, sender)| !sender.is_closed() && crate::address::matches(pattern, &address))
        .map(|(_, sender)| sender.clone());
    let Some(target) = target else {
        return (StatusCode::NOT_FOUND, "no subscription for this address").into_response();
    };
    let mut read = Vec::with_capacity(headers.len());
    for (name, value) in &headers {
        let value = if is_attribute(name.as_str()) {
            match decode_value(value.as_bytes()) {
                Ok(value) => value,
                Err(why) => {
                    let reason = format!("header `{name}`: {why}");
                    return (StatusCode::BAD_REQUEST, reason).into_response();
                }
            }
        } else {
            match value.to_str() {
                Ok(value) => value.to_owned(),
                // Not an attribute: a header tidings does not read.
                Err(_) => continue,
            }
        };
        read.push((name.as_str().to_owned().into(), value));
    }
    let message = RawMessage {
        address,
        key: None,
        headers: read,
        body: body.to_vec(),
    };
    let (answer, settled) = oneshot::channel();
    if target.send((message, answer)).await.is_err() {
        return (StatusCode::SERVICE_UNAVAILABLE, "the consumer is gone").into_response();
    }
    match settled.await {
        Ok(Settlement::Ack) => StatusCode::OK.into_response(),
        // `Retry-After` counts whole seconds: shorter delays are left to the sender's policy.
        Ok(Settlement::Retry { reason, delay }) if delay >= Duration::from_secs(1) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [("Retry-After", delay.as_secs().to_string())],
            reason,
        )
            .into_response(),
        Ok(Settlement::Retry { reason, .. }) => {
            (StatusCode::SERVICE_UNAVAILABLE, reason).into_response()
        }
        Ok(Settlement::DeadLetter { reason }) => {
            (StatusCode::UNPROCESSABLE_ENTITY, reason).into_response()
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "not settled").into_response(),
    }
}

impl Transport for Http {
    type Subscription = HttpSubscription;

    fn binding(&self) -> Binding {
        Binding::Http
    }

    async fn publish(&self, message: RawMessage) -> Result<(), TransportError> {
        let base = self
            .base
            .as_deref()
            .ok_or_else(|| TransportError::broker("this HTTP transport has no webhook base URL"))?;
        let url = format!("{base}/{}", message.address);
        let mut attempt = 1;
        loop {
            let mut request = self.client.post(&url).body(message.body.clone());
            for (name, value) in &message.headers {
                request = if is_attribute(name) {
                    let value = utf8_percent_encode(value, ENCODED).to_string();
                    request.header(name.as_ref(), value)
                } else {
                    request.header(name.as_ref(), value.as_str())
                };
            }
            let (retryable, why, wait) = match request.send().await {
                Ok(response) if response.status().is_success() => return Ok(()),
                Ok(response) => {
                    let status = response.status();
                    let wait = response
                        .headers()
                        .get("Retry-After")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse::<u64>().ok())
                        .map(Duration::from_secs);
                    let retryable =
                        status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS;
                    let text = response.text().await.unwrap_or_default();
                    (retryable, format!("{url} answered {status}: {text}"), wait)
                }
                Err(e) => (true, format!("{url}: {}", causes(&e)), None),
            };
            if !retryable || self.retry.gives_up_after(attempt) {
                return Err(TransportError::broker(format!("{why} (attempt {attempt})")));
            }
            let delay = wait
                .map(|w| w.min(Duration::from_secs(60)))
                .unwrap_or_else(|| self.retry.delay(attempt));
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn subscribe(
        &self,
        pattern: &str,
        _group: &str,
    ) -> Result<HttpSubscription, TransportError> {
        let (sender, receiver) = mpsc::channel(64);
        lock(&self.routes).push((pattern.to_owned(), sender));
        Ok(HttpSubscription {
            receiver,
            dead_letters: self.dead_letters.clone(),
        })
    }
}

/// Requests for one subscription of a receiver.
pub struct HttpSubscription {
    receiver: mpsc::Receiver<Request>,
    dead_letters: Arc<Mutex<Vec<DeadLetter>>>,
}

impl Subscription for HttpSubscription {
    async fn next(&mut self) -> Option<Delivery> {
        let (message, answer) = self.receiver.recv().await?;
        // The sender counts attempts; each request is a first one here.
        let settle = HttpSettle {
            answer,
            dead_letters: self.dead_letters.clone(),
        };
        Some(Delivery::new(message, 1, Box::new(settle)))
    }
}

struct HttpSettle {
    answer: oneshot::Sender<Settlement>,
    dead_letters: Arc<Mutex<Vec<DeadLetter>>>,
}

impl Settle for HttpSettle {
    fn settle(
        self: Box<Self>,
        delivered: Delivered,
        how: Settlement,
    ) -> BoxFuture<'static, Result<(), TransportError>> {
        if let Settlement::DeadLetter { reason } = &how {
            lock(&self.dead_letters).push(DeadLetter {
                message: delivered.message,
                attempt: delivered.attempt,
                group: String::new(),
                reason: reason.clone(),
            });
        }
        let _ = self.answer.send(how);
        Box::pin(async { Ok(()) })
    }
}

/// `error` and its sources, `: `-separated (reqwest's own text leaves out why a connection
/// failed: a refused certificate, a reset).
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let next = cause.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = cause.source();
    }
    text
}

/// Accepts TCP connections and completes their TLS handshakes, each on a task of its own (a
/// slow or failing client holds up no other), handing the finished ones to the server.
async fn handshakes(
    tcp: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    ready: mpsc::Sender<(TlsStream, SocketAddr)>,
) {
    loop {
        let (stream, peer) = match tcp.accept().await {
            Ok(accepted) => accepted,
            // Out of file descriptors and the like: wait, as axum's own listener does.
            Err(_) => {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        if ready.is_closed() {
            return;
        }
        let acceptor = acceptor.clone();
        let ready = ready.clone();
        tokio::spawn(async move {
            let handshake =
                tokio::time::timeout(std::time::Duration::from_secs(10), acceptor.accept(stream));
            // A failed handshake (a wrong or missing client certificate) ends the connection.
            if let Ok(Ok(stream)) = handshake.await {
                let _ = ready.send((stream, peer)).await;
            }
        });
    }
}

type TlsStream = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;

/// The connections [`handshakes`] completed, as axum's listener.
struct TlsListener {
    accepted: mpsc::Receiver<(TlsStream, SocketAddr)>,
    local: SocketAddr,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (TlsStream, SocketAddr) {
        match self.accepted.recv().await {
            Some(accepted) => accepted,
            // The accept loop only ends with this listener.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.local)
    }
}
