//! Receives the shop's webhooks on `127.0.0.1:8080` (or the port in `PORT`) until Ctrl-C.
//!
//! Try it: `curl -i -X POST localhost:8080/orderPlaced -H 'content-type: application/json'
//! -d '{"id":"o-1","lines":[{"sku":"A-1","quantity":2}]}'` answers 200; a quantity of 0 answers
//! 422 with the reason, one above 100 answers 503.

use example_webhooks::{serve, Partner};

#[tokio::main]
async fn main() {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8080);
    let partner = Partner::default();
    match serve(([127, 0, 0, 1], port).into(), partner.clone()).await {
        Ok(addr) => println!("receiving webhooks on http://{addr}/orderPlaced and /stockLow"),
        Err(e) => {
            eprintln!("cannot listen on port {port}: {e}");
            std::process::exit(1);
        }
    }
    let _ = tokio::signal::ctrl_c().await;
    println!("handled orders: {:?}", partner.orders.lock().unwrap());
}
