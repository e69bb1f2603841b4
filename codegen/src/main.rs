//! The `tidings` command line: its arguments, and which command of [`cli`] runs them.

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

/// tidings: typed Rust from AsyncAPI event specs.
#[derive(Parser)]
#[command(name = "tidings", version, about)]
struct Cli {
    /// Colours in diagnostics: `auto` uses them on a terminal unless `NO_COLOR` is set.
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    color: Color,
    #[command(subcommand)]
    command: Command,
}

/// When to colour diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Color {
    /// On a terminal, unless the `NO_COLOR` environment variable is set (and not empty).
    Auto,
    /// Always, even when the output is not a terminal.
    Always,
    /// Never.
    Never,
}

#[derive(Subcommand)]
enum Command {
    /// Generate Rust for a spec: a module (`--out`), a crate (`--crate`), or to stdout. A
    /// summary line goes to stderr.
    Generate(GenerateArgs),
    /// Compare two versions of a spec, per message: exit 0 compatible, 1 incompatible,
    /// 2 unreadable input or usage error.
    Diff(DiffArgs),
    /// Write the event catalog of one or more specs as a static site (works from `file://`):
    /// exit 0 written, 1 a spec or template with errors (nothing written).
    Docs(DocsArgs),
    /// Publish one of the spec's messages, validated, as a CloudEvent: exit 0 sent, 1 the
    /// payload breaks the spec (nothing sent), 2 unreadable spec, usage or broker error.
    Publish(PublishArgs),
    /// Dead letters on a broker: list them, show one, or redrive them (validated against the
    /// spec, removed only once the broker has the redriven message): exit 0 done, 1 some
    /// letter failed validation (kept), 2 usage or broker error.
    #[command(subcommand)]
    Dlq(DlqCommand),
    /// Listen on every channel of the spec, validate each event against it and print it:
    /// exit 0 all valid, 1 some invalid, 2 unreadable spec, usage or broker error.
    Listen(ListenArgs),
}

// `tidings generate`.
#[derive(Args)]
#[command(group(ArgGroup::new("target").args(["out", "crate_dir"])))]
struct GenerateArgs {
    /// The spec: an AsyncAPI, OpenAPI 3.x or JSON Schema document (YAML or JSON).
    spec: PathBuf,
    /// Write one module to this file.
    #[arg(long, conflicts_with = "crate_dir")]
    out: Option<PathBuf>,
    /// Write a standalone crate to this folder.
    #[arg(long = "crate", value_name = "DIR")]
    crate_dir: Option<PathBuf>,
    /// Package name of the crate (default: from the spec's file name).
    #[arg(long, requires = "crate_dir")]
    name: Option<String>,
    /// Write nothing; exit 1 if the output on disk (`--out` or `--crate`) is not what the
    /// spec generates, naming each file that differs (for CI).
    #[arg(long, requires = "target")]
    check: bool,
    /// Allow `http(s)://` references (needs the `remote` feature).
    #[arg(long)]
    allow_remote: bool,
    /// Folder that referenced files must stay inside (default: the spec's repository, the
    /// nearest folder above it holding `.git`; else the spec's folder).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Type only what `type` declares; other schemas become checked JSON values.
    #[arg(long)]
    strict_json_schema: bool,
    /// Generate even where `$ref`s dangle (a missing file or location): each is reported as
    /// a warning with its place, and what it names is typed as a `serde_json::Value`.
    #[arg(long)]
    keep_going: bool,
}

// `tidings diff`.
#[derive(Args)]
struct DiffArgs {
    /// OLD and NEW spec (with `--history`: NEW only).
    #[arg(value_name = "SPEC", num_args = 1..=2, required = true)]
    specs: Vec<PathBuf>,
    /// Which readers must accept which data.
    #[arg(long, value_enum, default_value_t = ModeArg::Backward)]
    mode: ModeArg,
    /// Confluent Schema Registry's rules for open, partially open and closed objects.
    #[arg(long)]
    strict: bool,
    /// How to print the report.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
    /// Accepted changes (default: `tidings-compat.toml` in the current folder, if any).
    #[arg(long, value_name = "FILE")]
    allow: Option<PathBuf>,
    /// Check NEW against every earlier version of its file in git history.
    #[arg(long)]
    history: bool,
    /// Folder that referenced files must stay inside (default: each spec's repository,
    /// else its folder).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
}

/// `tidings docs --format`.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum DocsFormat {
    /// A static HTML site with search.
    Html,
    /// Markdown pages.
    Markdown,
}

/// `tidings diff --mode`.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum ModeArg {
    /// New readers accept old data.
    Backward,
    /// Old readers accept new data.
    Forward,
    /// Both.
    Full,
}

/// `tidings diff --format`.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    /// For people: each change with its rule, path, values, verdicts and place.
    Text,
    /// One JSON document.
    Json,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// JUnit XML: a test case per message.
    Junit,
}

// `tidings docs`.
#[derive(Args)]
struct DocsArgs {
    /// The specs: AsyncAPI, OpenAPI 3.x or JSON Schema documents.
    #[arg(required = true)]
    specs: Vec<PathBuf>,
    /// The folder to write the site into (replaced as a whole once every page is made).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// A folder of templates replacing the built-in ones of the same name (`index.hbs`,
    /// `message.hbs`, `channel.hbs`, `operation.hbs`, `head.hbs`, `foot.hbs`, `style.css`).
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// Document past dangling `$ref`s, each a warning (as `generate --keep-going`).
    #[arg(long)]
    keep_going: bool,
    /// Folder that referenced files must stay inside (default: each spec's repository, the
    /// nearest folder above it holding `.git`; else the spec's folder).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// HTML pages, or Markdown for repositories browsed as Markdown.
    #[arg(long, value_enum, default_value_t = DocsFormat::Html)]
    format: DocsFormat,
    /// Add each message's compatibility history from git: every commit of the spec (the last
    /// 20) that changed it, with the checker's verdict.
    #[arg(long)]
    history: bool,
}

// `tidings publish`.
#[derive(Args)]
struct PublishArgs {
    /// The AsyncAPI document.
    spec: PathBuf,
    /// The message: its name, key or message id.
    #[arg(long)]
    message: String,
    /// Send the spec's example N of the message (default: the first).
    #[arg(long, conflicts_with = "data")]
    example: Option<usize>,
    /// Send the JSON payload in this file.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Channel parameters, `NAME=VALUE`.
    #[arg(long = "param", value_parser = parse_param)]
    params: Vec<(String, String)>,
    /// The broker: `nats://127.0.0.1:4222`.
    #[arg(long)]
    broker: String,
    #[command(flatten)]
    tls: TlsArgs,
}

// The TLS options of the broker commands.
#[derive(Args)]
struct TlsArgs {
    /// Trust these root certificates (PEM file) for the broker's TLS (`tls://`, `rediss://`,
    /// `amqps://`, `mqtts://`, `kafka+ssl://`; the system's roots otherwise; RabbitMQ adds
    /// them to the system's); on NATS, MQTT and Kafka it also turns TLS on for a plain URL.
    #[arg(long, value_name = "FILE")]
    ca: Option<PathBuf>,
    /// A client certificate (PEM file) for brokers that ask for one.
    #[arg(long, value_name = "FILE", requires = "key")]
    cert: Option<PathBuf>,
    /// The client certificate's private key (PEM file).
    #[arg(long, value_name = "FILE", requires = "cert")]
    key: Option<PathBuf>,
}

#[cfg(feature = "brokers")]
impl TlsArgs {
    /// The TLS settings these options ask for; `None` when they give none.
    fn tls(&self) -> Result<Option<tidings::transport::tls::Tls>, cli::connect::BrokerError> {
        use tidings::transport::tls::{Roots, Tls};
        let read = |path: &PathBuf| {
            std::fs::read(path)
                .map_err(|e| cli::connect::BrokerError::Usage(format!("{}: {e}", path.display())))
        };
        if self.ca.is_none() && self.cert.is_none() {
            return Ok(None);
        }
        let mut tls = Tls::default();
        if let Some(ca) = &self.ca {
            tls.roots = Roots::Pem(read(ca)?);
        }
        if let (Some(cert), Some(key)) = (&self.cert, &self.key) {
            tls = tls.with_client(read(cert)?, read(key)?);
        }
        Ok(Some(tls))
    }
}

// `tidings listen`.
#[derive(Args)]
struct ListenArgs {
    /// The AsyncAPI document.
    spec: PathBuf,
    /// The broker: `nats://127.0.0.1:4222`.
    #[arg(long)]
    broker: String,
    #[command(flatten)]
    tls: TlsArgs,
    /// Stop after this many events.
    #[arg(long)]
    count: Option<usize>,
    /// Stop after this many seconds.
    #[arg(long)]
    timeout: Option<u64>,
    /// Read the broker's log from here instead of listening from now on: `beginning`, an
    /// RFC 3339 time, or a sequence number (NATS JetStream stream sequence, Kafka offset);
    /// NATS JetStream, Kafka and Redis Streams keep a log.
    #[arg(long, value_name = "POSITION")]
    from: Option<tidings::transport::Position>,
}

// `tidings dlq`.
#[derive(Subcommand)]
enum DlqCommand {
    /// One line per dead letter, oldest first: key, time, group, attempt, type, id, address
    /// and reason.
    List(DlqArgs),
    /// The selected dead letters in full: the reason, the headers and the payload.
    Show(DlqArgs),
    /// Publishes the selected dead letters to their original address and removes each once
    /// the broker has it; a letter the spec no longer accepts is kept and reported.
    Redrive(DlqArgs),
}

// The options of `tidings dlq`'s commands.
#[derive(Args)]
struct DlqArgs {
    /// The broker: `nats://127.0.0.1:4222`.
    #[arg(long)]
    broker: String,
    #[command(flatten)]
    tls: TlsArgs,
    /// Only letters this consumer group gave up on.
    #[arg(long)]
    group: Option<String>,
    /// Only letters of this CloudEvents type.
    #[arg(long = "type", value_name = "TYPE")]
    event_type: Option<String>,
    /// Only these letters (their keys, as `list` prints them).
    keys: Vec<String>,
    /// The spec: letters are checked against it (needed to redrive).
    #[arg(long)]
    spec: Option<PathBuf>,
    /// Redrive every letter the filters select, even with no filter at all.
    #[arg(long)]
    all: bool,
    /// One JSON object per line instead of text.
    #[arg(long)]
    json: bool,
}

fn parse_param(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("`{s}` is not NAME=VALUE"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = cli::Stderr::new(cli.color);
    match cli.command {
        Command::Generate(args) => cli::generate::run(&args, &out),
        Command::Diff(args) => cli::diff::run(&args, &out),
        Command::Docs(args) => cli::docs::run(&args, &out),
        #[cfg(feature = "brokers")]
        Command::Publish(args) => out.exit(cli::publish::run(&args)),
        #[cfg(feature = "brokers")]
        Command::Listen(args) => out.exit(cli::listen::run(&args)),
        #[cfg(feature = "brokers")]
        Command::Dlq(command) => out.exit(cli::dlq::run(&command)),
        // These commands begin by checking the broker's scheme, which refuses every URL here.
        #[cfg(not(feature = "brokers"))]
        Command::Publish(PublishArgs { broker, .. })
        | Command::Listen(ListenArgs { broker, .. })
        | Command::Dlq(
            DlqCommand::List(DlqArgs { broker, .. })
            | DlqCommand::Show(DlqArgs { broker, .. })
            | DlqCommand::Redrive(DlqArgs { broker, .. }),
        ) => out.exit(cli::connect::Broker::of(&broker).map(|none| match none {})),
    }
}
