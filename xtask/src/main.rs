//! `cargo xtask`: the project's own commands.
//!
//! - `cargo xtask ci`: format check, clippy with warnings denied, every test, the packaging
//!   check, then the README's examples.
//! - `cargo xtask package`: the library crates are ready to publish (manifests, packaged
//!   files, and a `cargo publish --dry-run` that builds them from their packages).
//! - `cargo xtask bench codegen`: generation speed and memory (release build), printed as
//!   times and ratios to parsing alone.
//! - `cargo xtask bench validate`: decode + validate throughput of generated code against
//!   plain typed decoding and against `serde_json::Value` + `jsonschema`.
//! - `cargo xtask bench events`: events/s and latency of typed events on the in-memory bus.
//! - `cargo xtask bench compat`: time to diff two versions of a 500-message spec.
//! - `cargo xtask bench brokers`: tidings' typed publisher against the raw client on NATS
//!   JetStream and on RabbitMQ, one process each.
//! - `cargo xtask bench consume [memory | nats | amqp | redis | mqtt | kafka ...]`: tidings'
//!   `Consumer` on every transport (all by default): paced end-to-end rates and latencies, a
//!   backlog consumed by tidings against the raw client, and CPU per event (`BENCH_EVENTS`
//!   sets the events per run, default 20,000).
//! - `cargo xtask fuzz-schemas [--seed N] [--count M] [--payloads P]`: the schema fuzzer
//!   (`tests/tests/fuzz_schemas.rs`) over M random schemas (default 10,000) with P payloads
//!   each (default 20), generated code against the `jsonschema` crate in both typing modes.
//! - `cargo xtask check-compat [--against REF] [--mode backward|forward|full] [--specs GLOB]
//!   [--strict]`: compares the specs of the work tree with their versions at `REF` (default
//!   `git merge-base HEAD main`); exits 0 if all are compatible, 1 if any is not, 2 if a spec
//!   cannot be read or git fails.

mod bench;
mod compat;
mod package;

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["ci"] => ci(),
        ["package"] => package::package(),
        ["bench", which @ ("validate" | "events")] => run(Command::new(env!("CARGO")).args([
            "bench",
            "--quiet",
            "-p",
            "tidings-tests",
            "--bench",
            which,
        ])),
        // One process per broker, so that neither comparison inherits the other's state.
        ["bench", "brokers"] => {
            for broker in ["nats", "amqp"] {
                let code = run(Command::new(env!("CARGO")).args([
                    "bench",
                    "--quiet",
                    "-p",
                    "tidings",
                    "--features",
                    "nats,amqp",
                    "--bench",
                    "brokers",
                    "--",
                    broker,
                ]));
                if code != ExitCode::SUCCESS {
                    return code;
                }
            }
            ExitCode::SUCCESS
        }
        ["bench", "observe"] => run(Command::new(env!("CARGO")).args([
            "bench",
            "--quiet",
            "-p",
            "tidings",
            "--features",
            "nats",
            "--bench",
            "observe",
        ])),
        ["bench", "consume", brokers @ ..] => run(Command::new(env!("CARGO"))
            .args([
                "bench",
                "--quiet",
                "-p",
                "tidings",
                "--features",
                "nats,amqp,redis,mqtt,kafka",
                "--bench",
                "consume",
                "--",
            ])
            .args(brokers)),
        ["bench", "compat"] => run(Command::new(env!("CARGO")).args([
            "run",
            "--release",
            "--quiet",
            "-p",
            "xtask",
            "--",
            "bench-run",
            "compat",
        ])),
        ["bench-run", "compat"] => bench::compat(),
        ["bench"] | ["bench", "codegen"] => {
            // Measure an optimised build, whatever profile runs this command.
            run(Command::new(env!("CARGO")).args([
                "run",
                "--release",
                "--quiet",
                "-p",
                "xtask",
                "--",
                "bench-run",
                "codegen",
            ]))
        }
        ["bench-run", "codegen"] => bench::codegen(),
        ["bench-child", spec] => bench::child(spec),
        // The benchmark's synthetic OpenAPI document, to time it with other tools.
        ["bench-spec", "openapi", out] => match std::fs::write(out, bench::openapi_spec()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{out}: {e}");
                ExitCode::from(1)
            }
        },
        ["check-compat", rest @ ..] => compat::check_compat(rest),
        ["fuzz-schemas", rest @ ..] => fuzz_schemas(rest),
        _ => {
            eprintln!(
                "usage: cargo xtask ci | package | bench [codegen | validate | events | compat | brokers | observe | consume [BROKER...]] | bench-spec openapi FILE | fuzz-schemas [--seed N] \
                 [--count M] [--payloads P] | check-compat [--against REF] [--mode backward|forward|full] [--specs GLOB] [--strict]"
            );
            ExitCode::from(2)
        }
    }
}

fn ci() -> ExitCode {
    let cargo = env!("CARGO");
    // Each step is the arguments of one `cargo` command.
    let steps = [
        "fmt --all --check",
        "clippy --workspace --all-targets -- -D warnings",
        "test --workspace",
        // Broker transports: built with their features, tested against the local servers.
        "clippy -p tidings --features nats,redis,amqp,mqtt,postgres,http,kafka,spec --all-targets -- -D warnings",
        concat!(
            "test -p tidings --features nats,redis,amqp,mqtt,postgres,http,kafka --lib",
            " --test kafka --test nats --test nats_restart --test redis --test amqp",
            " --test amqp_restart --test mqtt --test postgres --test http",
        ),
        "clippy -p tidings-codegen --features nats,redis,amqp,mqtt,kafka --all-targets -- -D warnings",
        "test -p tidings-codegen --features nats,redis,amqp,mqtt,kafka --test cli_brokers --test cli_kafka",
        // The README's examples run as written (each exits non-zero if its flow breaks).
        "run --quiet -p example-quickstart",
        "run --quiet -p example-code-first",
        "run --quiet -p example-prometheus",
    ];
    for step in steps {
        eprintln!("xtask ci: cargo {step}");
        let code = run(Command::new(cargo).args(step.split_whitespace()));
        if code != ExitCode::SUCCESS {
            return code;
        }
    }
    eprintln!("xtask ci: cargo xtask package");
    package::package()
}

/// The schema fuzzer's test, with its seed and sizes from the command line.
fn fuzz_schemas(args: &[&str]) -> ExitCode {
    let mut test = Command::new(env!("CARGO"));
    test.args([
        "test",
        "-p",
        "tidings-tests",
        "--test",
        "fuzz_schemas",
        "--",
        "--nocapture",
    ]);
    let mut settings = [
        ("--seed", "TIDINGS_FUZZ_SEED", "2026"),
        ("--count", "TIDINGS_FUZZ_SCHEMAS", "10000"),
        ("--payloads", "TIDINGS_FUZZ_PAYLOADS", "20"),
        ("--first", "TIDINGS_FUZZ_FIRST", "0"),
    ]
    .map(|(flag, var, default)| (flag, var, default.to_string()));
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let Some(setting) = settings.iter_mut().find(|(f, _, _)| f == flag) else {
            eprintln!(
                "usage: cargo xtask fuzz-schemas [--seed N] [--count M] [--payloads P] [--first I]"
            );
            return ExitCode::from(2);
        };
        match rest.next().filter(|v| v.parse::<u64>().is_ok()) {
            Some(value) => setting.2 = value.to_string(),
            None => {
                eprintln!("{flag} needs a number");
                return ExitCode::from(2);
            }
        }
    }
    for (_, var, value) in &settings {
        test.env(var, value);
    }
    test.env("TIDINGS_FUZZ_PROGRAM", "fuzz-schemas-long");
    run(&mut test)
}

fn run(command: &mut Command) -> ExitCode {
    match command.status() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => ExitCode::from(status.code().unwrap_or(1).clamp(1, 255) as u8),
        Err(e) => {
            eprintln!("cannot run {command:?}: {e}");
            ExitCode::from(1)
        }
    }
}
