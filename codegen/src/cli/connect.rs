//! Reaching a broker: the URL schemes this build knows, and one connect path for every client.
//!
//! Brokers are features. `publish` and `listen` each describe what they do once connected as a
//! `Session`; `Broker::run` connects the client of the URL's broker and runs it there.

/// Broker URL schemes this build can talk to.
pub const SCHEMES: &[&str] = &[
    #[cfg(feature = "nats")]
    "nats",
    #[cfg(feature = "nats")]
    "tls",
    #[cfg(feature = "redis")]
    "redis",
    #[cfg(feature = "redis")]
    "rediss",
    #[cfg(feature = "amqp")]
    "amqp",
    #[cfg(feature = "amqp")]
    "amqps",
    #[cfg(feature = "mqtt")]
    "mqtt",
    #[cfg(feature = "mqtt")]
    "mqtts",
    #[cfg(feature = "kafka")]
    "kafka",
    #[cfg(feature = "kafka")]
    "kafka+ssl",
];

/// Why a broker command could not run (exit 2), as opposed to invalid events (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// The spec could not be read.
    #[error("{0}")]
    Spec(#[from] tidings_codegen::Error),
    /// A usage mistake: unknown message, missing parameter, unsupported broker, bad data.
    #[error("{0}")]
    Usage(String),
    /// The broker failed.
    #[cfg(feature = "brokers")]
    #[error("broker: {0}")]
    Broker(String),
}

/// A broker this build has a client for; none at all without a broker feature.
#[derive(Clone, Copy, Debug)]
pub enum Broker {
    #[cfg(feature = "nats")]
    Nats,
    #[cfg(feature = "redis")]
    Redis,
    #[cfg(feature = "amqp")]
    Amqp,
    #[cfg(feature = "mqtt")]
    Mqtt,
    #[cfg(feature = "kafka")]
    Kafka,
}

impl Broker {
    /// The broker of `url`, by its scheme, if this build supports it.
    pub fn of(url: &str) -> Result<Broker, BrokerError> {
        match url.split("://").next().unwrap_or_default() {
            #[cfg(feature = "nats")]
            "nats" | "tls" => Ok(Broker::Nats),
            #[cfg(feature = "redis")]
            "redis" | "rediss" => Ok(Broker::Redis),
            #[cfg(feature = "amqp")]
            "amqp" | "amqps" => Ok(Broker::Amqp),
            #[cfg(feature = "mqtt")]
            "mqtt" | "mqtts" => Ok(Broker::Mqtt),
            #[cfg(feature = "kafka")]
            "kafka" | "kafka+ssl" => Ok(Broker::Kafka),
            _ => Err(BrokerError::Usage(format!(
                "`{url}`: this build of tidings talks to {} (build with `--features nats,redis,amqp,mqtt,kafka`)",
                if SCHEMES.is_empty() {
                    "no broker".to_owned()
                } else {
                    SCHEMES
                        .iter()
                        .map(|s| format!("{s}://"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ))),
        }
    }
}

#[cfg(feature = "brokers")]
pub use live::Session;

#[cfg(feature = "brokers")]
mod live {
    use std::future::Future;

    use tidings::transport::tls::Tls;
    use tidings::transport::{DeadLetters, TransportError};

    use super::{Broker, BrokerError};

    /// What a command does once connected, whichever the broker.
    pub trait Session {
        /// What the session comes back with.
        type Output;
        /// Whether it listens: listeners take what is published from now on (and RabbitMQ
        /// gives them transient queues); publishers need no such thing.
        const LISTENS: bool;

        /// Runs the session on a connected client.
        async fn run<T: DeadLetters>(self, transport: T) -> Result<Self::Output, BrokerError>;
    }

    impl Broker {
        /// Connects to the broker at `url` (with `tls`'s roots and client certificate, when
        /// given) and runs `session` on it, on a runtime of its own.
        pub fn run<S: Session>(
            self,
            url: &str,
            tls: Option<Tls>,
            session: S,
        ) -> Result<S::Output, BrokerError> {
            match self {
                #[cfg(feature = "nats")]
                Broker::Nats => {
                    use tidings::nats::{Nats, NatsOptions};
                    let options = NatsOptions {
                        from_now: S::LISTENS,
                        tls,
                        ..Default::default()
                    };
                    on(Nats::connect_with(url, options), session)
                }
                #[cfg(feature = "redis")]
                Broker::Redis => {
                    use tidings::redis::{Redis, RedisOptions};
                    let options = RedisOptions {
                        from_now: S::LISTENS,
                        tls,
                        ..Default::default()
                    };
                    on(Redis::connect_with(url, options), session)
                }
                #[cfg(feature = "amqp")]
                Broker::Amqp => {
                    use tidings::amqp::{Amqp, AmqpOptions};
                    let options = AmqpOptions {
                        transient: S::LISTENS,
                        tls,
                        ..Default::default()
                    };
                    on(Amqp::connect_with(url, options), session)
                }
                #[cfg(feature = "mqtt")]
                Broker::Mqtt => {
                    use tidings::mqtt::{Mqtt, MqttOptions};
                    let options = MqttOptions {
                        tls,
                        ..Default::default()
                    };
                    on(Mqtt::connect_with(url, options), session)
                }
                #[cfg(feature = "kafka")]
                Broker::Kafka => {
                    use tidings::kafka::{Kafka, KafkaOptions};
                    // `kafka+ssl://` is TLS with the system's roots unless others are given.
                    let secure = url.starts_with("kafka+ssl://");
                    let options = KafkaOptions {
                        from_now: S::LISTENS,
                        tls: tls.or_else(|| secure.then(Tls::default)),
                        ..Default::default()
                    };
                    let brokers = url.trim_start_matches("kafka+ssl://");
                    on(Kafka::connect_with(brokers, options), session)
                }
            }
        }
    }

    /// Awaits the client `connect` gives and runs `session` on it, on a runtime of its own.
    fn on<T: DeadLetters, S: Session>(
        connect: impl Future<Output = Result<T, TransportError>>,
        session: S,
    ) -> Result<S::Output, BrokerError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(BrokerError::broker)?;
        runtime.block_on(async {
            session
                .run(connect.await.map_err(BrokerError::broker)?)
                .await
        })
    }

    impl BrokerError {
        /// A broker failure, from the client's error.
        pub fn broker(error: impl std::fmt::Display) -> BrokerError {
            BrokerError::Broker(error.to_string())
        }
    }
}
