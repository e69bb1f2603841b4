//! The webhook receiver end to end over HTTP: plain webhook requests (as any sender posts
//! them) and the generated typed publisher, each answered by its outcome.

use std::time::Duration;

use example_webhooks::{serve, shop, Partner};
use serde_json::json;

async fn post(client: &reqwest::Client, url: String, body: serde_json::Value) -> (u16, String) {
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("the receiver answers");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

#[tokio::test]
async fn plain_webhooks_are_answered_200_422_503_by_outcome() {
    let partner = Partner::default();
    let addr = serve(([127, 0, 0, 1], 0).into(), partner.clone())
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let url = |path: &str| format!("http://{addr}/{path}");

    // Handled: 200, and the handler has the typed order.
    let order = json!({"id": "o-1", "lines": [{"sku": "A-1", "quantity": 2}]});
    assert_eq!(post(&client, url("orderPlaced"), order).await.0, 200);
    assert_eq!(*partner.orders.lock().unwrap(), ["o-1"]);
    let stock = json!({"sku": "B-7", "left": 3});
    assert_eq!(post(&client, url("stockLow"), stock).await.0, 200);
    assert_eq!(*partner.low.lock().unwrap(), [("B-7".to_string(), 3)]);

    // Against the document's schema (quantity below its minimum, a malformed sku): 422 with
    // the reason, and the handler never sees it.
    for bad in [
        json!({"id": "o-2", "lines": [{"sku": "A-1", "quantity": 0}]}),
        json!({"id": "o-3", "lines": [{"sku": "nope", "quantity": 1}]}),
        json!({"id": "o-4", "lines": []}),
    ] {
        let (status, reason) = post(&client, url("orderPlaced"), bad.clone()).await;
        assert_eq!(status, 422, "{bad}: {reason}");
        assert!(reason.contains("could not be decoded"), "{bad}: {reason}");
    }
    assert_eq!(
        post(&client, url("stockLow"), json!({"sku": "B-7"}))
            .await
            .0,
        422
    );
    assert_eq!(*partner.orders.lock().unwrap(), ["o-1"]);

    // The handler asks for another try: 503, so the sender retries.
    let large = json!({"id": "o-5", "lines": [{"sku": "A-1", "quantity": 500}]});
    let (status, reason) = post(&client, url("orderPlaced"), large).await;
    assert_eq!(status, 503, "{reason}");
    assert!(reason.contains("busy"), "{reason}");

    // A request that says it is a CloudEvent is read as one: a broken one is not taken for a
    // plain webhook.
    let broken = client
        .post(url("orderPlaced"))
        .header("content-type", "application/cloudevents+json")
        .body(r#"{"data": {"id": "o-6", "lines": [{"sku": "A-1", "quantity": 1}]}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status().as_u16(), 422);
    assert!(broken
        .text()
        .await
        .unwrap()
        .contains("not a readable CloudEvent"));
    assert_eq!(*partner.orders.lock().unwrap(), ["o-1"]);

    // An address that is no webhook of the document: not for this router.
    let (status, _) = post(&client, url("orderShipped"), json!({})).await;
    assert_ne!(status, 200);
}

#[tokio::test]
async fn the_typed_publisher_delivers_to_the_receiver() {
    let partner = Partner::default();
    let addr = serve(([127, 0, 0, 1], 0).into(), partner.clone())
        .await
        .unwrap();
    let sender = tidings::http::Http::webhook(&format!("http://{addr}"));
    let publisher = shop::publishers::SendWebhooks::new(tidings::Publisher::new(sender));
    let order = shop::Order {
        id: "o-9".into(),
        lines: vec![shop::OrderLinesItem {
            sku: "C-3".into(),
            quantity: 4,
        }],
    };
    publisher
        .publish_order_placed(shop::OrderPlaced(order))
        .await
        .expect("delivered and handled");
    publisher
        .publish_stock_low(shop::StockLow {
            sku: "C-3".into(),
            left: 1,
        })
        .await
        .unwrap();
    // The receiver answered 200 only once the handler had run.
    assert_eq!(*partner.orders.lock().unwrap(), ["o-9"]);
    assert_eq!(*partner.low.lock().unwrap(), [("C-3".to_string(), 1)]);
    // An invalid event is never sent.
    let invalid = shop::StockLow {
        sku: "lower-case".into(),
        left: 1,
    };
    assert!(publisher.publish_stock_low(invalid).await.is_err());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(partner.low.lock().unwrap().len(), 1);
}
