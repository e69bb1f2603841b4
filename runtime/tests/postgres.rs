//! The PostgreSQL idempotency store against the local server (127.0.0.1:5432, trust auth).

use tidings::postgres::PostgresIdempotency;
use tidings::reliability::IdempotencyStore;

const CONFIG: &str = "host=127.0.0.1 port=5432 user=postgres dbname=test";

#[tokio::test]
async fn handled_ids_are_shared_and_kept_per_group() {
    let table = format!("tidings_test_idempotency_{}", std::process::id());
    let (a, b) = match (
        PostgresIdempotency::connect(CONFIG, &table).await,
        PostgresIdempotency::connect(CONFIG, &table).await,
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            assert!(
                std::env::var("TIDINGS_REQUIRE_BROKERS").as_deref() != Ok("1"),
                "PostgreSQL is required (TIDINGS_REQUIRE_BROKERS=1) but unreachable: {e}"
            );
            eprintln!("\n!!!!! SKIPPED: PostgreSQL unreachable ({e}) !!!!!\n");
            return;
        }
    };
    assert!(!a.seen("g", "e-1").await);
    a.record("g", "e-1").await;
    a.record("g", "e-1").await; // twice is fine
    assert!(b.seen("g", "e-1").await, "another consumer sees it");
    assert!(!b.seen("other", "e-1").await, "per group");
    assert_eq!(
        a.prune(std::time::Duration::from_secs(3600)).await.unwrap(),
        0
    );
    assert_eq!(a.prune(std::time::Duration::ZERO).await.unwrap(), 1);
    assert!(!b.seen("g", "e-1").await, "pruned");
    assert!(PostgresIdempotency::connect(CONFIG, "x; DROP TABLE y")
        .await
        .is_err());

    let (client, connection) = tidings::postgres::tokio_postgres::connect(
        CONFIG,
        tidings::postgres::tokio_postgres::NoTls,
    )
    .await
    .unwrap();
    tokio::spawn(connection);
    client
        .batch_execute(&format!("DROP TABLE {table}"))
        .await
        .unwrap();
}
