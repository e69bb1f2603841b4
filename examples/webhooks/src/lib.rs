//! A partner's side of the shop's OpenAPI 3.1 webhooks: the types, validators and router that
//! `build.rs` generates from `openapi.yaml`, served over HTTP by `tidings::http`.
//!
//! Each webhook is a `POST` to its own path (`/orderPlaced`, `/stockLow`), a plain JSON body as
//! any webhook sender posts it (CloudEvents headers are welcome, not needed). The answer is the
//! outcome: `200` when handled, `422` with the reason when the body breaks the document's
//! schema (or the handler refuses it for good), `503` when the handler asks for another try.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tidings::http::Http;
use tidings::{Consumer, Context, Envelope, HandlerError, HandlerResult};

/// The code generated from `openapi.yaml`.
#[allow(missing_docs)]
pub mod shop {
    include!(concat!(env!("OUT_DIR"), "/openapi.rs"));
}

use shop::handlers::{Webhooks, WebhooksRouter};
use shop::{OrderPlaced, StockLow};

/// The most items of one product the warehouse takes in one go; more is retried later.
pub const BUSY_ABOVE: i64 = 100;

/// The partner's handlers: they keep what they took.
#[derive(Clone, Default)]
pub struct Partner {
    /// Ids of the orders handled.
    pub orders: Arc<Mutex<Vec<String>>>,
    /// Products reported low, with what is left.
    pub low: Arc<Mutex<Vec<(String, u64)>>>,
}

impl Webhooks for Partner {
    async fn on_order_placed(
        &self,
        event: Envelope<OrderPlaced>,
        _ctx: &Context<'_>,
    ) -> HandlerResult {
        let order = &event.data.0;
        if order
            .lines
            .iter()
            .any(|line| line.quantity > BUSY_ABOVE as u64)
        {
            // Worth another try later: the sender is answered 503.
            return Err(HandlerError::retry(
                "the warehouse is busy with a large order",
            ));
        }
        self.orders.lock().unwrap().push(order.id.clone());
        Ok(())
    }

    async fn on_stock_low(&self, event: Envelope<StockLow>, _ctx: &Context<'_>) -> HandlerResult {
        let stock = event.data;
        self.low.lock().unwrap().push((stock.sku, stock.left));
        Ok(())
    }
}

/// Serves the webhooks on `addr` (port 0 picks one) with `partner` as the handler; returns the
/// address it listens on. The worker runs until the process ends.
pub async fn serve(
    addr: SocketAddr,
    partner: Partner,
) -> Result<SocketAddr, tidings::transport::TransportError> {
    let (http, local) = Http::receiver(addr).await?;
    let worker = Consumer::new(http)
        .subscribe(WebhooksRouter(partner))
        .await?;
    tokio::spawn(worker.run());
    Ok(local)
}
