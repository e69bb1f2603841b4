//! The PostgreSQL idempotency store against the local server (127.0.0.1:5432, trust auth).

mod common;

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

/// A PostgreSQL server of the test's own (initdb'd for the run) that accepts TLS
/// connections with a client certificate only: the store works over TLS with the test CA; a
/// plain connection and a client that trusts another CA are refused.
#[tokio::test]
async fn the_store_works_over_tls_and_a_wrong_ca_is_refused() {
    use std::process::Command;

    use common::tls::{other_ca, spare_port, start, Pki};
    use tidings::transport::tls::Tls;

    let pki = Pki::new("postgres");
    let data = pki.path("data");
    let initdb = Command::new("runuser")
        .args([
            "-u", "postgres", "--", "initdb", "-D", &data, "-A", "trust", "-U", "postgres",
        ])
        .output();
    match initdb {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!("initdb: {}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => {
            common::unreachable("postgres_tls", "initdb", "a server of its own", e);
            return;
        }
    }
    for file in ["server.pem", "server.key", "ca.pem"] {
        std::fs::copy(pki.dir.join(file), pki.dir.join("data").join(file)).unwrap();
    }
    std::fs::write(
        pki.dir.join("data/pg_hba.conf"),
        "hostssl all all 127.0.0.1/32 trust clientcert=verify-ca\n",
    )
    .unwrap();
    let owned = Command::new("chown")
        .args(["-R", "postgres:postgres", &data])
        .status()
        .unwrap();
    assert!(owned.success());
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        pki.dir.join("data/server.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let port = spare_port();
    let port_text = port.to_string();
    let args = [
        "-u",
        "postgres",
        "--",
        "postgres",
        "-D",
        &data,
        "-p",
        &port_text,
        "-k",
        &data,
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "ssl=on",
        "-c",
        "ssl_cert_file=server.pem",
        "-c",
        "ssl_key_file=server.key",
        "-c",
        "ssl_ca_file=ca.pem",
    ];
    let log = pki.dir.join("postgres.log");
    let Some(_server) = start("postgres_tls", "runuser", &args, port, &log) else {
        return;
    };
    let config =
        format!("host=localhost port={port} user=postgres dbname=postgres sslmode=require");
    let table = "tidings_tls_idempotency";
    let trusted = Tls::with_roots(pki.ca.clone())
        .with_client(pki.client_cert.clone(), pki.client_key.clone());
    let store = PostgresIdempotency::connect_tls(&config, table, &trusted)
        .await
        .unwrap_or_else(|e| panic!("{e}: {}", std::fs::read_to_string(&log).unwrap_or_default()));
    store.record("g", "e-1").await;
    assert!(store.seen("g", "e-1").await);

    let plain = format!("host=localhost port={port} user=postgres dbname=postgres sslmode=disable");
    assert!(
        PostgresIdempotency::connect(&plain, table).await.is_err(),
        "TLS only"
    );
    let wrong =
        Tls::with_roots(other_ca()).with_client(pki.client_cert.clone(), pki.client_key.clone());
    let refused = PostgresIdempotency::connect_tls(&config, table, &wrong).await;
    let error = refused.expect_err("a client that trusts another CA is refused");
    assert!(
        format!("{error:?}").to_lowercase().contains("certificate"),
        "{error:?}"
    );
}
