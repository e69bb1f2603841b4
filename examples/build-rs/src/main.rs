//! Decodes an order event with types generated from `specs/orders.yaml` at build time.

// The example uses a few of the generated types; the rest are there for real code.
#[allow(missing_docs, dead_code)]
mod orders {
    include!(concat!(env!("OUT_DIR"), "/orders.rs"));
}

fn main() {
    let name = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "com.acme.order.created".into());
    let payload = std::env::args().nth(2).unwrap_or_else(|| "{}".into());
    match orders::decode_message(&name, payload.as_bytes()) {
        Ok(message) => println!("decoded `{}`: {message:?}", message.name()),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
