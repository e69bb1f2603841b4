//! An [`IdempotencyStore`](crate::reliability::IdempotencyStore) on PostgreSQL.
//!
//! It needs feature `postgres` and runs on [tokio-postgres](https://docs.rs/tokio-postgres):
//! handled event ids are rows of a table, shared by every consumer of a group and kept across
//! restarts.

use std::sync::Arc;

use tokio_postgres::{Client, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::transport::tls::Tls;
use crate::transport::{BoxFuture, TransportError};

pub use tokio_postgres;

/// Handled event ids in a PostgreSQL table (`group_name`, `event_id`, `handled_at`).
#[derive(Clone)]
pub struct PostgresIdempotency {
    client: Arc<Client>,
    table: String,
}

impl std::fmt::Debug for PostgresIdempotency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresIdempotency")
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

impl PostgresIdempotency {
    /// Connects with `config` (`host=127.0.0.1 user=postgres dbname=test`, or a
    /// `postgresql://` URL) and creates `table` (a plain identifier) if it does not exist.
    /// Without TLS: see [`connect_tls`](Self::connect_tls).
    pub async fn connect(config: &str, table: &str) -> Result<Self, TransportError> {
        Self::open(config, table, None).await
    }

    /// [`connect`](Self::connect) over TLS with `tls`'s roots and client certificate; the
    /// connection's `sslmode` says whether TLS is required (`require`, the safe choice) or
    /// only preferred (`prefer`, the default).
    pub async fn connect_tls(config: &str, table: &str, tls: &Tls) -> Result<Self, TransportError> {
        Self::open(config, table, Some(tls)).await
    }

    async fn open(config: &str, table: &str, tls: Option<&Tls>) -> Result<Self, TransportError> {
        if table.is_empty() || !table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(TransportError::Broker(
                format!("`{table}` is not a plain table name").into(),
            ));
        }
        let client = match tls {
            None => {
                let (client, connection) = tokio_postgres::connect(config, NoTls)
                    .await
                    .map_err(TransportError::broker)?;
                // Ends when the client is dropped or the server goes away.
                tokio::spawn(connection);
                client
            }
            Some(tls) => {
                let connector = MakeRustlsConnect::new((*tls.client_config()?).clone());
                let (client, connection) = tokio_postgres::connect(config, connector)
                    .await
                    .map_err(TransportError::broker)?;
                tokio::spawn(connection);
                client
            }
        };
        client
            .batch_execute(&format!(
                "CREATE TABLE IF NOT EXISTS {table} (
                    group_name text NOT NULL,
                    event_id text NOT NULL,
                    handled_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (group_name, event_id)
                )"
            ))
            .await
            .map_err(TransportError::broker)?;
        Ok(PostgresIdempotency {
            client: Arc::new(client),
            table: table.to_owned(),
        })
    }

    /// Forgets ids handled more than `age` ago; returns how many.
    pub async fn prune(&self, age: std::time::Duration) -> Result<u64, TransportError> {
        let seconds = age.as_secs_f64();
        self.client
            .execute(
                &format!(
                    "DELETE FROM {} WHERE handled_at < now() - make_interval(secs => $1)",
                    self.table
                ),
                &[&seconds],
            )
            .await
            .map_err(TransportError::broker)
    }
}

impl crate::reliability::IdempotencyStore for PostgresIdempotency {
    fn seen<'a>(&'a self, group: &'a str, id: &'a str) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            let query = format!(
                "SELECT 1 FROM {} WHERE group_name = $1 AND event_id = $2",
                self.table
            );
            // When the store cannot answer, handling again is the safe side.
            self.client
                .query_opt(&query, &[&group, &id])
                .await
                .is_ok_and(|row| row.is_some())
        })
    }

    fn record<'a>(&'a self, group: &'a str, id: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let query = format!(
                "INSERT INTO {} (group_name, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                self.table
            );
            let _ = self.client.execute(&query, &[&group, &id]).await;
        })
    }
}
