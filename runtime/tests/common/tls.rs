//! TLS test fixtures: certificates made for the run (rcgen) and a broker started on a spare
//! port with a TLS listener, stopped when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};

/// A CA, a server certificate for `localhost` and `127.0.0.1`, and a client certificate, as
/// PEM files in a folder of their own.
pub struct Pki {
    pub dir: PathBuf,
    pub ca: String,
    pub client_cert: String,
    pub client_key: String,
}

impl Pki {
    pub fn new(name: &str) -> Pki {
        let dir = std::env::temp_dir().join(format!(
            "tidings-tls-{name}-{}-{}",
            std::process::id(),
            tidings::uuid::Uuid::now_v7().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        // Brokers that drop root's privileges (RabbitMQ runs as `rabbitmq`) keep their data
        // here too.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        let (ca, ca_key) = authority("tidings test CA");
        let leaf = |names: Vec<String>, usage: ExtendedKeyUsagePurpose| {
            let mut params = CertificateParams::new(names).unwrap();
            params
                .distinguished_name
                .push(DnType::CommonName, "tidings test");
            params.extended_key_usages = vec![usage];
            let key = KeyPair::generate().unwrap();
            let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
            (cert.pem(), key.serialize_pem())
        };
        let (server_cert, server_key) = leaf(
            vec!["localhost".into(), "127.0.0.1".into()],
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        let (client_cert, client_key) =
            leaf(vec!["client".into()], ExtendedKeyUsagePurpose::ClientAuth);
        let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
        write("ca.pem", &ca.pem());
        write("server.pem", &server_cert);
        write("server.key", &server_key);
        Pki {
            dir,
            ca: ca.pem(),
            client_cert,
            client_key,
        }
    }

    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Another CA's certificate (PEM): one the brokers' certificates do not chain to.
pub fn other_ca() -> String {
    authority("some other CA").0.pem()
}

fn authority(name: &str) -> (rcgen::Certificate, KeyPair) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let key = KeyPair::generate().unwrap();
    (params.self_signed(&key).unwrap(), key)
}

/// A port no one listens on, now.
pub fn spare_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A broker process in a process group of its own, killed with the whole group when
/// dropped (RabbitMQ's script starts the Erlang VM as a child).
pub struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `program` with `args` and waits (up to a minute) until it listens on `port`; `None`
/// (with a loud message, or a failure when brokers are required) when the program is not
/// installed.
pub fn start(test: &str, program: &str, args: &[&str], port: u16, log: &Path) -> Option<Server> {
    start_with(test, program, args, &[], port, log)
}

/// [`start`], with `env` set for the program.
pub fn start_with(
    test: &str,
    program: &str,
    args: &[&str],
    env: &[(&str, String)],
    port: u16,
    log: &Path,
) -> Option<Server> {
    let log_file = std::fs::File::create(log).unwrap();
    use std::os::unix::process::CommandExt;
    let child = Command::new(program)
        .process_group(0)
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::from(log_file.try_clone().unwrap()))
        .stderr(Stdio::from(log_file))
        .spawn();
    let child = match child {
        Ok(child) => child,
        Err(e) => {
            super::unreachable(test, program, "a TLS listener of its own", e);
            return None;
        }
    };
    let mut server = Server(child);
    // RabbitMQ takes a few seconds to boot.
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!(
                "{program} ended ({status}) before it listened on {port}: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        assert!(
            Instant::now() < deadline,
            "{program} did not listen on {port}: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(server)
}

/// A mosquitto on a spare port whose one listener is TLS with `pki`'s server certificate and
/// asks for client certificates (and for `login`'s user and password, when given); with the
/// port, or `None` when mosquitto is not installed.
pub fn mosquitto(test: &str, pki: &Pki, login: Option<(&str, &str)>) -> Option<(Server, u16)> {
    let port = spare_port();
    let mut config = format!(
        "listener {port} 127.0.0.1\ncafile {}\ncertfile {}\nkeyfile {}\n\
         require_certificate true\n",
        pki.path("ca.pem"),
        pki.path("server.pem"),
        pki.path("server.key"),
    );
    match login {
        None => config.push_str("allow_anonymous true\n"),
        Some((user, password)) => {
            let file = pki.path("passwords");
            let made = Command::new("mosquitto_passwd")
                .args(["-b", "-c", &file, user, password])
                .status();
            if !made.is_ok_and(|status| status.success()) {
                super::unreachable(test, "mosquitto_passwd", "a password file", "failed");
                return None;
            }
            config.push_str(&format!("allow_anonymous false\npassword_file {file}\n"));
        }
    }
    std::fs::write(pki.dir.join("mosquitto.conf"), config).unwrap();
    let conf = pki.path("mosquitto.conf");
    let log = pki.dir.join("mosquitto.log");
    let server = start(test, "mosquitto", &["-c", &conf], port, &log)?;
    Some((server, port))
}
