//! TLS for broker connections, on rustls: which roots to trust and the client certificate to
//! show, shared by the transports (`tls://` NATS, `rediss://` Redis, `mqtts://` MQTT).
//!
//! The trust roots are the system's (the platform's store, through `rustls-native-certs`) or
//! certificates given in PEM; a client certificate chain and its key (PEM) are sent to brokers
//! that ask for one. Cryptography is rustls' `ring` provider, chosen here so that a process
//! with another provider linked in (aws-lc-rs) needs no process-wide default.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::TransportError;

/// The TLS settings of a broker connection.
#[derive(Clone, Debug, Default)]
pub struct Tls {
    /// The certificates whose signatures the broker's certificate must chain to.
    pub roots: Roots,
    /// A certificate chain and key to show a broker that asks the client for one.
    pub client: Option<ClientIdentity>,
}

/// Trust roots.
#[derive(Clone, Debug, Default)]
pub enum Roots {
    /// The platform's certificate store.
    #[default]
    System,
    /// These certificates (PEM, one or more), and no others.
    Pem(Vec<u8>),
}

/// A client certificate chain and its private key, both PEM.
#[derive(Clone)]
pub struct ClientIdentity {
    /// The chain, leaf first.
    pub certificates: Vec<u8>,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: Vec<u8>,
}

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientIdentity").finish_non_exhaustive()
    }
}

impl Tls {
    /// Trusting the certificates of `pem` only.
    pub fn with_roots(pem: impl Into<Vec<u8>>) -> Self {
        Tls {
            roots: Roots::Pem(pem.into()),
            client: None,
        }
    }

    /// Showing `certificates` (PEM chain) with `key` (PEM) to brokers that ask.
    pub fn with_client(
        mut self,
        certificates: impl Into<Vec<u8>>,
        key: impl Into<Vec<u8>>,
    ) -> Self {
        self.client = Some(ClientIdentity {
            certificates: certificates.into(),
            key: key.into(),
        });
        self
    }

    /// The rustls client configuration of these settings.
    pub fn client_config(&self) -> Result<Arc<rustls::ClientConfig>, TransportError> {
        let mut roots = rustls::RootCertStore::empty();
        match &self.roots {
            Roots::System => {
                let found = rustls_native_certs::load_native_certs();
                let (added, _) = roots.add_parsable_certificates(found.certs);
                if added == 0 {
                    return Err(tls_error(format!(
                        "no trust roots in the system's certificate store{}",
                        found
                            .errors
                            .first()
                            .map(|e| format!(" ({e})"))
                            .unwrap_or_default()
                    )));
                }
            }
            Roots::Pem(pem) => {
                for certificate in CertificateDer::pem_slice_iter(pem) {
                    let certificate = certificate.map_err(|e| {
                        tls_error(format!("a trust root is not a PEM certificate: {e}"))
                    })?;
                    roots
                        .add(certificate)
                        .map_err(|e| tls_error(format!("a trust root is not usable: {e}")))?;
                }
                if roots.is_empty() {
                    return Err(tls_error("the trust roots hold no PEM certificate".into()));
                }
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_error(e.to_string()))?
            .with_root_certificates(roots);
        let config = match &self.client {
            None => builder.with_no_client_auth(),
            Some(identity) => {
                let chain = CertificateDer::pem_slice_iter(&identity.certificates)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| tls_error(format!("the client certificate is not PEM: {e}")))?;
                let key = PrivateKeyDer::from_pem_slice(&identity.key).map_err(|e| {
                    tls_error(format!("the client key is not a PEM private key: {e}"))
                })?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| tls_error(format!("the client certificate is not usable: {e}")))?
            }
        };
        Ok(Arc::new(config))
    }
}

fn tls_error(message: String) -> TransportError {
    TransportError::broker(format!("TLS: {message}"))
}

/// TLS settings of a server tidings runs (the HTTP receiver): its certificate and key, and
/// the roots client certificates must chain to when it asks for them.
#[derive(Clone)]
pub struct ServerTls {
    /// The certificate chain (PEM), leaf first.
    pub certificates: Vec<u8>,
    /// Its private key (PEM).
    pub key: Vec<u8>,
    /// When set, every client must show a certificate that chains to these roots (PEM).
    pub client_roots: Option<Vec<u8>>,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls")
            .field("client_roots", &self.client_roots.is_some())
            .finish_non_exhaustive()
    }
}

impl ServerTls {
    /// The rustls server configuration of these settings.
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, TransportError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let chain = CertificateDer::pem_slice_iter(&self.certificates)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| tls_error(format!("the server certificate is not PEM: {e}")))?;
        let key = PrivateKeyDer::from_pem_slice(&self.key)
            .map_err(|e| tls_error(format!("the server key is not a PEM private key: {e}")))?;
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_error(e.to_string()))?;
        let builder = match &self.client_roots {
            None => builder.with_no_client_auth(),
            Some(pem) => {
                let mut roots = rustls::RootCertStore::empty();
                for certificate in CertificateDer::pem_slice_iter(pem) {
                    let certificate = certificate
                        .map_err(|e| tls_error(format!("a client root is not PEM: {e}")))?;
                    roots
                        .add(certificate)
                        .map_err(|e| tls_error(format!("a client root is not usable: {e}")))?;
                }
                let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                    Arc::new(roots),
                    provider,
                )
                .build()
                .map_err(|e| tls_error(format!("the client roots: {e}")))?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let config = builder
            .with_single_cert(chain, key)
            .map_err(|e| tls_error(format!("the server certificate is not usable: {e}")))?;
        Ok(Arc::new(config))
    }
}
