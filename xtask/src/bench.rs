//! Code generation benchmark: the largest corpus document, a synthetic 500-message AsyncAPI
//! spec and a synthetic large OpenAPI 3.0 document (about 3.7 MB of JSON: 301 component
//! schemas, 250 paths, 771 operations).
//!
//! For each: the median time to generate Rust (load, resolve, model, emit, format), the median
//! time to only parse the same text, their ratio, and the peak memory of a process that
//! generates it once. For the OpenAPI document also the time its generated crate's first
//! check takes to parse and compile the crate's schema document (once per process). Its
//! generated crate is then built in a workspace of
//! its own (sharing `target/programs` with the tests' programs, so the runtime's dependencies
//! build once): the time to compile that crate alone, and whether clippy passes with warnings
//! denied.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{json, Map, Value};
use tidings_codegen::source::node::{self, DocId, Limits};
use tidings_codegen::LoadOptions;

pub fn codegen() -> ExitCode {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let repo = repo.canonicalize().unwrap_or(repo);
    let corpus = repo.join("../shared/corpus/asyncapi-spec-examples");
    let Some(largest) = largest_yaml(&corpus) else {
        eprintln!("no corpus at {}", corpus.display());
        return ExitCode::from(1);
    };
    let dir = std::env::temp_dir().join(format!("tidings-bench-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let synthetic = dir.join("synthetic-500.yaml");
    let openapi = dir.join("synthetic-openapi.json");
    let written = std::fs::write(&synthetic, synthetic_spec(500))
        .and_then(|()| std::fs::write(&openapi, openapi_spec()));
    if let Err(e) = written {
        eprintln!("cannot write the synthetic specs in {}: {e}", dir.display());
        return ExitCode::from(1);
    }
    println!(
        "tidings codegen benchmark ({} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:<44} {:>8} {:>11} {:>11} {:>8} {:>10}",
        "spec", "KiB", "generate", "parse only", "ratio", "peak RSS"
    );
    let mut ok = true;
    for spec in [&largest, &synthetic] {
        ok &= report(spec).is_some();
    }
    match report(&openapi) {
        Some(measured) => ok &= openapi_crate(&repo, &openapi, &dir.join("crate"), &measured),
        None => {
            println!("\nsynthetic OpenAPI document: generation failed (the error is above)");
            ok = false;
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// What [`report`] measured.
struct Measured {
    generate: Duration,
    /// KiB.
    peak: Option<u64>,
}

/// Prints one row of the table; `None` if the spec does not generate.
fn report(spec: &Path) -> Option<Measured> {
    let text = match std::fs::read_to_string(spec) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{}: {e}", spec.display());
            return None;
        }
    };
    let options = LoadOptions::default();
    // Dropped at once: what a generation holds is not to count in the next one's memory.
    if let Err(e) = tidings_codegen::generate(spec, &options) {
        eprintln!("{}: generation failed:\n{e}", spec.display());
        return None;
    }
    let generate = median(|| {
        let _ = std::hint::black_box(tidings_codegen::generate(spec, &options));
    });
    let json = spec.extension().is_some_and(|e| e == "json");
    let parse = median(|| {
        let _ = std::hint::black_box(if json {
            node::parse_json(&text, DocId(0), Limits::default())
        } else {
            node::parse(&text, DocId(0), Limits::default())
        });
    });
    let peak = peak_rss(spec);
    let name = spec
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    println!(
        "{:<44} {:>8.1} {:>9.2}ms {:>9.2}ms {:>7.1}x {:>10}",
        name,
        text.len() as f64 / 1024.0,
        ms(generate),
        ms(parse),
        generate.as_secs_f64() / parse.as_secs_f64().max(1e-9),
        peak.map_or_else(|| "n/a".to_string(), mib)
    );
    Some(Measured { generate, peak })
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Median of enough runs to fill about two seconds (at least 5, at most 200; only 3 when one
/// run takes longer than that).
fn median(mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    f();
    let once = start.elapsed().max(Duration::from_micros(1));
    let runs = if once > Duration::from_secs(2) {
        3
    } else {
        (Duration::from_secs(2).as_nanos() / once.as_nanos()).clamp(5, 200) as usize
    };
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// Peak resident memory (KiB) of a child process that generates `spec` once.
fn peak_rss(spec: &Path) -> Option<u64> {
    let exe = std::env::current_exe().ok()?;
    let out = Command::new(exe)
        .args(["bench-child"])
        .arg(spec)
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// Generates `spec` and prints this process's peak RSS in KiB (Linux `VmHWM`).
pub fn child(spec: &str) -> ExitCode {
    if let Err(e) = tidings_codegen::generate(Path::new(spec), &LoadOptions::default()) {
        eprintln!("{e}");
        return ExitCode::from(1);
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
    match kib {
        Some(k) => {
            println!("{k}");
            ExitCode::SUCCESS
        }
        None => ExitCode::from(1),
    }
}

fn largest_yaml(dir: &Path) -> Option<PathBuf> {
    let mut best: Option<(u64, PathBuf)> = None;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).ok()?.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                // Only self-contained documents; the split ones need a root.
                if text.contains("asyncapi:")
                    && !text.contains("../")
                    && best.as_ref().is_none_or(|(l, _)| len > *l)
                {
                    best = Some((len, path));
                }
            }
        }
    }
    best.map(|(_, p)| p)
}

/// An AsyncAPI 3.0 spec with `n` messages, each with a realistic payload.
pub fn synthetic_spec(n: usize) -> String {
    let mut s =
        String::from("asyncapi: 3.0.0\ninfo:\n  title: Synthetic\n  version: 1.0.0\nchannels:\n");
    for i in 0..n {
        s.push_str(&format!(
            "  ch{i}:\n    address: 'domain{d}/{{entityId}}/event{i}'\n    parameters:\n      entityId:\n        description: Entity.\n    messages:\n      m{i}:\n        $ref: '#/components/messages/Event{i}'\n",
            d = i % 10
        ));
    }
    s.push_str("operations:\n");
    for i in 0..n {
        s.push_str(&format!(
            "  send{i}:\n    action: send\n    channel:\n      $ref: '#/channels/ch{i}'\n"
        ));
    }
    s.push_str("components:\n  messages:\n");
    for i in 0..n {
        s.push_str(&format!(
            "    Event{i}:\n      name: com.acme.domain{d}.event{i}\n      x-version: '1.0.0'\n      payload:\n        $ref: '#/components/schemas/Event{i}Data'\n      examples:\n        - payload: {{id: 5f1c3c36-6a7a-4c9b-8f0e-0a8d7a0c1b2e, at: '2025-01-01T00:00:00Z', status: active, items: [{{sku: a, qty: 1}}]}}\n",
            d = i % 10
        ));
    }
    s.push_str("  schemas:\n    Meta:\n      type: object\n      properties:\n        correlationId: {type: string, format: uuid}\n        tags: {type: object, additionalProperties: {type: string}}\n");
    for i in 0..n {
        s.push_str(&format!(
            "    Event{i}Data:\n      type: object\n      required: [id, at]\n      properties:\n        id: {{type: string, format: uuid}}\n        at: {{type: string, format: date-time}}\n        status: {{type: string, enum: [active, suspended, closed]}}\n        amount: {{type: number, minimum: 0}}\n        note: {{type: [string, 'null'], maxLength: 200}}\n        meta:\n          $ref: '#/components/schemas/Meta'\n        items:\n          type: array\n          items:\n            type: object\n            required: [sku, qty]\n            properties:\n              sku: {{type: string}}\n              qty: {{type: integer, minimum: 1}}\n"
        ));
    }
    s
}

/// The profile of the tests' programs (`tidings_tests::program::PROFILE`), so that this
/// crate's dependencies are the ones already built in `target/programs`.
const PROFILE: &str = "[profile.dev]\ndebug = false\nincremental = false\n\n\
                       [profile.dev.package.\"*\"]\nopt-level = 1\n";

/// The generated crate of the OpenAPI document: written into a workspace of its own at
/// `dir`, its dependencies built once, then the time to compile the crate alone and whether
/// clippy denies nothing. Prints the summary against the goals; false if anything failed.
fn openapi_crate(repo: &Path, spec: &Path, dir: &Path, measured: &Measured) -> bool {
    const NAME: &str = "synthetic-openapi";
    let runtime = tidings_codegen::RuntimeDep::Path(repo.join("runtime"));
    // What the generated crate's first check does: parse and compile its schema document.
    let schemas = tidings_codegen::catalog(spec, &LoadOptions::default()).map(|(catalog, _)| {
        let text = catalog.schema_document.document.to_string();
        let time = median(|| {
            let document: Value = serde_json::from_str(&text).unwrap_or_default();
            let _ = std::hint::black_box(tidings::schema::Schemas::compile(&document));
        });
        (text.len(), time)
    });
    // The generation is dropped before the builds, which need the memory.
    let files = tidings_codegen::generate(spec, &LoadOptions::default())
        .and_then(|generated| tidings_codegen::crate_files(&generated, NAME, &runtime, false));
    let files = match files {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{}: the crate's generation failed:\n{e}", spec.display());
            return false;
        }
    };
    release_memory();
    let lib = dir.join(NAME).join("src/lib.rs");
    let written = files
        .write(&dir.join(NAME))
        .map_err(|e| e.to_string())
        .and_then(|()| {
            std::fs::write(
                dir.join("Cargo.toml"),
                format!("[workspace]\nresolver = \"2\"\nmembers = [{NAME:?}]\n\n{PROFILE}"),
            )
            .map_err(|e| e.to_string())
        })
        .and_then(|()| {
            // The checkout's lock file pins the same versions, so this builds offline.
            std::fs::copy(repo.join("Cargo.lock"), dir.join("Cargo.lock"))
                .map(drop)
                .map_err(|e| e.to_string())
        });
    if let Err(e) = written {
        eprintln!("cannot write the generated crate in {}: {e}", dir.display());
        return false;
    }
    let lines = std::fs::read_to_string(&lib).map_or(0, |t| t.lines().count());
    let target = repo.join("target").join("programs");

    // Dependencies first (and the crate once), so the timed build compiles the crate alone.
    let warm = cargo(&["build", "--offline", "--quiet"], dir, &target);
    let compile = warm.and_then(|()| {
        touch(&lib).map_err(|e| format!("cannot touch {}: {e}", lib.display()))?;
        let start = Instant::now();
        cargo(&["build", "--offline", "--quiet", "-p", NAME], dir, &target)?;
        Ok(start.elapsed())
    });
    let clippy = cargo(
        &[
            "clippy",
            "--offline",
            "--quiet",
            "-p",
            NAME,
            "--",
            "-D",
            "warnings",
        ],
        dir,
        &target,
    );

    let size = std::fs::metadata(spec).map_or(0, |m| m.len());
    println!();
    println!(
        "synthetic OpenAPI 3.0.3 document ({:.1} KiB, {} schemas, {} paths, {} operations)",
        size as f64 / 1024.0,
        OPENAPI_SCHEMAS + 1,
        OPENAPI_RESOURCES * 2,
        openapi_operations()
    );
    let fast = measured.generate < Duration::from_secs(2);
    let small = measured.peak.is_some_and(|kib| kib < 1024 * 1024);
    println!(
        "  generation (median):       {:>10}   (goal: under 2 s)",
        format!("{:.0} ms", ms(measured.generate)),
    );
    println!(
        "  peak RSS of generation:    {:>10}   (goal: under 1 GiB)",
        measured.peak.map_or_else(|| "n/a".to_string(), mib),
    );
    println!("  generated lines (lib.rs):  {lines:>10}");
    if let Ok((len, time)) = &schemas {
        println!(
            "  schema document:           {:>10}   (parsed and compiled in {:.0} ms, once, at the crate's first check)",
            format!("{:.0} KiB", *len as f64 / 1024.0),
            ms(*time)
        );
    }
    match &compile {
        Ok(d) => println!(
            "  compile, crate alone:      {:>10}   (cargo build -p, dev profile of target/programs)",
            format!("{:.1} s", d.as_secs_f64())
        ),
        Err(e) => println!(
            "  compile, crate alone:      {:>10}\n{}",
            "FAILED",
            first_lines(e, 30)
        ),
    }
    match &clippy {
        Ok(()) => println!("  clippy -D warnings clean:  {:>10}", "yes"),
        Err(e) => println!(
            "  clippy -D warnings clean:  {:>10}\n{}",
            "no",
            first_lines(e, 30)
        ),
    }
    let mut missed = Vec::new();
    for (met, goal) in [
        (fast, "generation under 2 s"),
        (small, "generation under 1 GiB"),
        (compile.is_ok(), "the crate compiles"),
        (clippy.is_ok(), "clippy clean"),
    ] {
        if !met {
            missed.push(goal);
        }
    }
    if missed.is_empty() {
        println!("  goals: all met");
    } else {
        println!("  goals missed: {}", missed.join(", "));
    }
    compile.is_ok() && clippy.is_ok()
}

/// Gives the free pages glibc's allocator keeps after a large generation back to the system,
/// so that the builds that follow (rustc on the generated crate) have the memory.
fn release_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: `malloc_trim` only returns memory that glibc's allocator holds free.
        unsafe {
            malloc_trim(0);
        }
    }
}

fn first_lines(text: &str, n: usize) -> String {
    text.lines()
        .take(n)
        .map(|l| format!("    | {l}\n"))
        .collect::<String>()
}

/// Sets the modification time of `path` to now.
fn touch(path: &Path) -> std::io::Result<()> {
    std::fs::File::options()
        .write(true)
        .open(path)?
        .set_modified(SystemTime::now())
}

/// Runs `cargo ARGS` in `dir` with `target` as its target folder; its output on failure.
fn cargo(args: &[&str], dir: &Path, target: &Path) -> Result<(), String> {
    let output = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "cargo {} failed ({}):\n{}{}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr),
            String::from_utf8_lossy(&output.stdout)
        ))
    }
}

/// Component schemas of the synthetic OpenAPI document, besides `Error`.
const OPENAPI_SCHEMAS: usize = 300;
/// Resources of the synthetic OpenAPI document: a collection path and an item path each.
const OPENAPI_RESOURCES: usize = 125;

const NOUNS: [&str; 50] = [
    "Account",
    "Address",
    "Agreement",
    "Alert",
    "Allocation",
    "Approval",
    "Asset",
    "Attachment",
    "Audit",
    "Balance",
    "Batch",
    "Booking",
    "Budget",
    "Campaign",
    "Card",
    "Carrier",
    "Catalog",
    "Charge",
    "Claim",
    "Comment",
    "Contact",
    "Contract",
    "Coupon",
    "Credit",
    "Customer",
    "Device",
    "Discount",
    "Dispute",
    "Document",
    "Employee",
    "Invoice",
    "Ledger",
    "License",
    "Location",
    "Order",
    "Payment",
    "Payout",
    "Plan",
    "Price",
    "Product",
    "Project",
    "Quote",
    "Refund",
    "Report",
    "Shipment",
    "Subscription",
    "Supplier",
    "Task",
    "Ticket",
    "Warehouse",
];
const SUFFIXES: [&str; 6] = ["", "Summary", "Detail", "Settings", "Line", "History"];
const WORDS: [&str; 64] = [
    "the",
    "account",
    "value",
    "is",
    "returned",
    "when",
    "request",
    "customer",
    "of",
    "and",
    "must",
    "be",
    "set",
    "before",
    "a",
    "resource",
    "can",
    "updated",
    "this",
    "field",
    "records",
    "time",
    "at",
    "which",
    "object",
    "was",
    "created",
    "by",
    "an",
    "integration",
    "for",
    "reporting",
    "purposes",
    "only",
    "changes",
    "to",
    "it",
    "are",
    "visible",
    "in",
    "audit",
    "log",
    "after",
    "next",
    "billing",
    "cycle",
    "identifier",
    "unique",
    "within",
    "organization",
    "may",
    "omitted",
    "if",
    "default",
    "applies",
    "otherwise",
    "server",
    "rejects",
    "with",
    "validation",
    "error",
    "currency",
    "amount",
    "minor",
];
const STRING_NAMES: [&str; 8] = [
    "name",
    "title",
    "label",
    "reference",
    "code",
    "summary",
    "externalId",
    "displayName",
];
const QUALIFIERS: [&str; 10] = [
    "primary",
    "secondary",
    "billing",
    "shipping",
    "legal",
    "internal",
    "external",
    "previous",
    "default",
    "custom",
];
const ENUMS: [&[&str]; 5] = [
    &["active", "suspended", "closed"],
    &["draft", "open", "paid", "void", "uncollectible"],
    &["low", "normal", "high", "urgent"],
    &["usd", "eur", "gbp", "jpy", "chf"],
    &["pending", "in_review", "approved", "rejected"],
];
const DOMAINS: [&str; 5] = ["billing", "sales", "operations", "support", "inventory"];

/// A pseudo-random number from two indices (splitmix64), so the document is the same on every
/// run.
fn mix(a: usize, b: usize) -> u64 {
    let mut z = (a as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add((b as u64).wrapping_mul(0xD1B5_4A32_D192_ED03))
        .wrapping_add(0x2545_F491_4F6C_DD1D);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `sentences` sentences of 8 to 17 words.
fn prose(seed: usize, sentences: usize) -> String {
    let mut s = String::new();
    for k in 0..sentences {
        let n = 8 + (mix(seed, 1000 + k) % 10) as usize;
        for w in 0..n {
            let word = WORDS[(mix(seed * 31 + k, w) % WORDS.len() as u64) as usize];
            if w == 0 {
                if k > 0 {
                    s.push(' ');
                }
                let mut c = word.chars();
                if let Some(first) = c.next() {
                    s.extend(first.to_uppercase());
                    s.push_str(c.as_str());
                }
            } else {
                s.push(' ');
                s.push_str(word);
            }
        }
        s.push('.');
    }
    s
}

fn schema_name(i: usize) -> String {
    format!(
        "{}{}",
        NOUNS[i / SUFFIXES.len() % NOUNS.len()],
        SUFFIXES[i % SUFFIXES.len()]
    )
}

fn schema_ref(i: usize) -> Value {
    json!({ "$ref": format!("#/components/schemas/{}", schema_name(i)) })
}

fn lower_camel(name: &str) -> String {
    let mut c = name.chars();
    c.next()
        .map(|f| f.to_ascii_lowercase().to_string() + c.as_str())
        .unwrap_or_default()
}

fn plural(word: &str) -> String {
    if let Some(stem) = word.strip_suffix('y') {
        format!("{stem}ies")
    } else if word.ends_with('s') {
        format!("{word}es")
    } else {
        format!("{word}s")
    }
}

fn kebab(name: &str) -> String {
    let mut s = String::new();
    for (k, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if k > 0 {
                s.push('-');
            }
            s.push(c.to_ascii_lowercase());
        } else {
            s.push(c);
        }
    }
    s
}

/// The role of schema `i`: its place in a group of 20.
enum Role {
    /// An object of its own.
    Plain,
    /// `allOf` of the plain schema before it plus properties of its own.
    Extends,
    /// One of the three variants of the `oneOf` that ends the group (a `kind` property).
    Variant,
    /// `oneOf` the three schemas before it, with a discriminator on `kind`.
    Union,
}

fn role(i: usize) -> Role {
    match i % 20 {
        5 | 12 => Role::Extends,
        16..=18 => Role::Variant,
        19 => Role::Union,
        _ => Role::Plain,
    }
}

/// The discriminator value of variant schema `i`.
fn kind_value(i: usize) -> String {
    kebab(&schema_name(i)).replace('-', "_")
}

/// Property `k` of schema `i` (not its first two, `id` and `createdAt`): its name stem and
/// schema, and whether it may be required.
fn property(i: usize, k: usize) -> (String, Value, bool) {
    let r = mix(i, k);
    let seed = i * 100 + k;
    let other = (r / 16 % OPENAPI_SCHEMAS as u64) as usize;
    let (name, mut schema, can_require) = match r % 15 {
        0 => (
            STRING_NAMES[(r / 7 % 8) as usize].to_string(),
            json!({ "type": "string", "minLength": 1, "maxLength": 64 + (r / 5 % 4) * 64 }),
            true,
        ),
        1 => (
            [
                "updatedAt",
                "expiresAt",
                "closedAt",
                "scheduledAt",
                "effectiveAt",
            ][(r / 7 % 5) as usize]
                .to_string(),
            json!({ "type": "string", "format": "date-time", "example": "2024-05-01T12:30:00Z" }),
            true,
        ),
        2 => (
            ["email", "contactEmail", "notifyEmail"][(r / 7 % 3) as usize].to_string(),
            json!({ "type": "string", "format": "email", "example": "jane.doe@example.com" }),
            true,
        ),
        3 => (
            ["quantity", "position", "retryCount", "priority", "seats"][(r / 7 % 5) as usize]
                .to_string(),
            json!({ "type": "integer", "format": "int32", "minimum": 0, "maximum": 10000 }),
            true,
        ),
        4 => (
            ["amount", "totalAmount", "sizeBytes", "sequence"][(r / 7 % 4) as usize].to_string(),
            json!({ "type": "integer", "format": "int64", "minimum": 0 }),
            true,
        ),
        5 => (
            ["rate", "score", "weight", "latitude"][(r / 7 % 4) as usize].to_string(),
            json!({ "type": "number", "format": "double", "minimum": 0, "exclusiveMinimum": r.is_multiple_of(2), "maximum": 1000000 }),
            false,
        ),
        6 => (
            ["enabled", "archived", "livemode", "verified", "locked"][(r / 7 % 5) as usize]
                .to_string(),
            json!({ "type": "boolean", "default": false }),
            false,
        ),
        7 => {
            let values = ENUMS[(r / 7 % ENUMS.len() as u64) as usize];
            (
                ["status", "state", "level", "currency", "stage"][(r / 7 % 5) as usize].to_string(),
                json!({ "type": "string", "enum": values, "example": values[0] }),
                true,
            )
        }
        8 => (
            plural(&lower_camel(&schema_name(other))),
            json!({ "type": "array", "maxItems": 500, "items": schema_ref(other) }),
            false,
        ),
        9 => (
            [
                "dimensions",
                "limits",
                "schedule",
                "contactDetails",
                "origin",
            ][(r / 7 % 5) as usize]
                .to_string(),
            json!({
                "type": "object",
                "required": ["label"],
                "properties": {
                    "label": { "type": "string", "maxLength": 80, "description": prose(seed + 1, 1) },
                    "count": { "type": "integer", "format": "int32", "minimum": 0 },
                    "visible": { "type": "boolean" },
                    "unit": { "type": "string", "enum": ["cm", "kg", "day", "hour"] },
                },
            }),
            false,
        ),
        10 => (
            ["note", "comment", "reason", "memo"][(r / 7 % 4) as usize].to_string(),
            json!({ "type": "string", "maxLength": 500, "nullable": true }),
            false,
        ),
        11 if i > 0 => {
            let earlier = (r / 16 % i as u64) as usize;
            (
                lower_camel(&schema_name(earlier)),
                json!({ "nullable": true, "allOf": [schema_ref(earlier)] }),
                false,
            )
        }
        11 | 12 => (
            ["tags", "labels", "aliases"][(r / 7 % 3) as usize].to_string(),
            json!({ "type": "array", "maxItems": 50, "uniqueItems": true, "items": { "type": "string", "maxLength": 40 } }),
            false,
        ),
        13 => (
            "metadata".to_string(),
            json!({ "type": "object", "maxProperties": 50, "additionalProperties": { "type": "string", "maxLength": 500 } }),
            false,
        ),
        _ => {
            let earlier = if i == 0 {
                1
            } else {
                (r / 16 % i as u64) as usize
            };
            (
                lower_camel(&schema_name(earlier)),
                schema_ref(earlier),
                true,
            )
        }
    };
    if let Some(map) = schema.as_object_mut() {
        let sentences = 1 + (r / 1024 % 4) as usize;
        map.insert("description".into(), Value::String(prose(seed, sentences)));
    }
    (name, schema, can_require)
}

/// `count` properties of schema `i`, starting at property `first`, with the required ones.
fn properties(i: usize, first: usize, count: usize) -> (Map<String, Value>, Vec<String>) {
    let mut props = Map::new();
    let mut required = Vec::new();
    for k in first..first + count {
        let (stem, schema, can_require) = property(i, k);
        let mut name = stem.clone();
        let mut q = (mix(i, k + 77) % QUALIFIERS.len() as u64) as usize;
        while props.contains_key(&name) || name == "id" || name == "createdAt" || name == "kind" {
            let mut c = stem.chars();
            let upper = c
                .next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default();
            name = format!("{}{upper}", QUALIFIERS[q % QUALIFIERS.len()]);
            q += 1;
            if q > 2 * QUALIFIERS.len() {
                name = format!("{stem}{k}");
            }
        }
        if can_require && mix(i, k + 500).is_multiple_of(3) {
            required.push(name.clone());
        }
        props.insert(name, schema);
    }
    (props, required)
}

fn component(i: usize) -> Value {
    let name = schema_name(i);
    let description = format!("{} {}", name, prose(i * 7 + 3, 3 + i % 4));
    match role(i) {
        Role::Union => {
            let variants: Vec<usize> = (i - 3..i).collect();
            let mapping: Map<String, Value> = variants
                .iter()
                .map(|&v| {
                    (
                        kind_value(v),
                        Value::String(format!("#/components/schemas/{}", schema_name(v))),
                    )
                })
                .collect();
            json!({
                "description": description,
                "oneOf": variants.iter().map(|&v| schema_ref(v)).collect::<Vec<_>>(),
                "discriminator": { "propertyName": "kind", "mapping": mapping },
            })
        }
        Role::Extends => {
            let (props, required) = properties(i, 0, 3 + (mix(i, 9) % 4) as usize);
            let mut own = json!({ "type": "object", "properties": props });
            if !required.is_empty() {
                own["required"] = json!(required);
            }
            json!({ "description": description, "allOf": [schema_ref(i - 1), own] })
        }
        Role::Plain | Role::Variant => {
            let count = 5 + (mix(i, 0) % 16) as usize;
            let (mut props, mut required) = properties(i, 0, count - 2);
            let mut all = Map::new();
            all.insert(
                "id".into(),
                json!({ "type": "string", "format": "uuid", "readOnly": true, "description": prose(i * 13, 1) }),
            );
            all.insert(
                "createdAt".into(),
                json!({ "type": "string", "format": "date-time", "readOnly": true, "description": prose(i * 17, 1) }),
            );
            let mut head = vec!["id".to_string(), "createdAt".to_string()];
            if matches!(role(i), Role::Variant) {
                all.insert(
                    "kind".into(),
                    json!({ "type": "string", "enum": [kind_value(i)], "description": "The variant." }),
                );
                head.push("kind".into());
            }
            all.append(&mut props);
            head.append(&mut required);
            json!({ "type": "object", "description": description, "required": head, "properties": all })
        }
    }
}

/// The schema of resource `r`.
fn resource_schema(r: usize) -> usize {
    r * OPENAPI_SCHEMAS / OPENAPI_RESOURCES
}

fn openapi_operations() -> usize {
    OPENAPI_RESOURCES * 6 + OPENAPI_RESOURCES.div_ceil(6)
}

fn json_content(schema: Value) -> Value {
    json!({ "application/json": { "schema": schema } })
}

/// An operation with the `default` error response.
fn operation(
    id: &str,
    tag: &str,
    seed: usize,
    parameters: Option<Value>,
    body: Option<Value>,
    status: &str,
    response: Value,
) -> Value {
    let mut op = json!({
        "operationId": id,
        "tags": [tag],
        "summary": prose(seed, 1),
        "description": prose(seed + 1, 6 + seed % 8),
        "responses": {
            status: {
                "description": prose(seed + 2, 3),
                "content": json_content(response),
            },
            "default": {
                "description": "The request failed; the error says why.",
                "content": json_content(json!({ "$ref": "#/components/schemas/Error" })),
            },
        },
    });
    if let Some(p) = parameters {
        op["parameters"] = p;
    }
    if let Some(b) = body {
        op["requestBody"] = json!({
            "required": true,
            "description": prose(seed + 3, 2),
            "content": json_content(b),
        });
    }
    op
}

/// A PATCH body: a few optional, nullable fields.
fn patch_body(r: usize) -> Value {
    let mut props = Map::new();
    for k in 0..3 + r % 4 {
        let (name, mut schema, _) = property(resource_schema(r) + 1000, k);
        if schema.get("type").is_some() && schema.get("enum").is_none() {
            schema["nullable"] = Value::Bool(true);
        }
        props.insert(name, schema);
    }
    json!({ "type": "object", "minProperties": 1, "properties": props })
}

/// A POST body written inline: what a client may set on creation.
fn create_body(r: usize) -> Value {
    json!({
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": { "type": "string", "minLength": 1, "maxLength": 200, "description": prose(r * 5, 1) },
            "description": { "type": "string", "maxLength": 2000, "nullable": true },
            "ownerEmail": { "type": "string", "format": "email" },
            "startsAt": { "type": "string", "format": "date-time" },
            "tags": { "type": "array", "maxItems": 20, "items": { "type": "string" } },
            "metadata": { "type": "object", "additionalProperties": { "type": "string" } },
        },
    })
}

/// The synthetic OpenAPI 3.0.3 document, as pretty JSON: a pure function of indices.
pub fn openapi_spec() -> String {
    let mut schemas = Map::new();
    for i in 0..OPENAPI_SCHEMAS {
        schemas.insert(schema_name(i), component(i));
    }
    schemas.insert(
        "Error".into(),
        json!({
            "type": "object",
            "description": "An error: what went wrong, and where.",
            "required": ["code", "message"],
            "properties": {
                "code": { "type": "string", "enum": ["invalid_request", "not_found", "conflict", "rate_limited", "internal"] },
                "message": { "type": "string", "maxLength": 1000 },
                "requestId": { "type": "string", "format": "uuid" },
                "details": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["field", "issue"],
                        "properties": {
                            "field": { "type": "string" },
                            "issue": { "type": "string" },
                        },
                    },
                },
            },
        }),
    );
    let mut paths = Map::new();
    for r in 0..OPENAPI_RESOURCES {
        let s = resource_schema(r);
        let name = schema_name(s);
        let tag = DOMAINS[r % DOMAINS.len()];
        let plural_name = plural(&name);
        let id_param = format!("{}Id", lower_camel(&name));
        let mut prefix = format!("/v1/{tag}");
        let mut scope = Vec::new();
        if r.is_multiple_of(3) {
            prefix.push_str("/organizations/{organizationId}");
            scope.push(json!({
                "name": "organizationId", "in": "path", "required": true,
                "description": "The organization.", "schema": { "type": "string", "format": "uuid" },
            }));
        }
        let collection = format!("{prefix}/{}", kebab(&plural_name));
        let item = format!("{collection}/{{{id_param}}}");
        let seed = r * 1000;
        let list_params = json!([
            { "name": "limit", "in": "query", "description": prose(seed + 40, 1),
              "schema": { "type": "integer", "format": "int32", "minimum": 1, "maximum": 100, "default": 20 } },
            { "name": "cursor", "in": "query", "description": prose(seed + 41, 1),
              "schema": { "type": "string" } },
            { "name": "sort", "in": "query",
              "schema": { "type": "string", "enum": ["created_asc", "created_desc"] } },
        ]);
        let page = json!({
            "type": "object",
            "required": ["data", "hasMore"],
            "properties": {
                "data": { "type": "array", "items": schema_ref(s) },
                "hasMore": { "type": "boolean" },
                "nextCursor": { "type": "string", "nullable": true },
                "total": { "type": "integer", "format": "int64", "minimum": 0 },
            },
        });
        let mut coll = Map::new();
        if !scope.is_empty() {
            coll.insert("parameters".into(), Value::Array(scope.clone()));
        }
        coll.insert(
            "get".into(),
            operation(
                &format!("list{plural_name}"),
                tag,
                seed + 100,
                Some(list_params),
                None,
                "200",
                page,
            ),
        );
        let create = if r % 4 == 1 {
            create_body(r)
        } else {
            schema_ref(s)
        };
        coll.insert(
            "post".into(),
            operation(
                &format!("create{name}"),
                tag,
                seed + 200,
                None,
                Some(create),
                "201",
                schema_ref(s),
            ),
        );
        if r.is_multiple_of(6) {
            let ids = json!([{
                "name": "ids", "in": "query", "required": true, "style": "form", "explode": false,
                "description": prose(seed + 42, 1),
                "schema": { "type": "array", "maxItems": 100, "items": { "type": "string", "format": "uuid" } },
            }]);
            let deleted = json!({
                "type": "object", "required": ["deletedCount"],
                "properties": { "deletedCount": { "type": "integer", "format": "int32", "minimum": 0 } },
            });
            coll.insert(
                "delete".into(),
                operation(
                    &format!("deleteMany{plural_name}"),
                    tag,
                    seed + 300,
                    Some(ids),
                    None,
                    "200",
                    deleted,
                ),
            );
        }
        paths.insert(collection, Value::Object(coll));

        let mut one = Map::new();
        let mut item_params = scope;
        item_params.push(json!({
            "name": id_param, "in": "path", "required": true,
            "description": prose(seed + 43, 1), "schema": { "type": "string", "format": "uuid" },
        }));
        one.insert("parameters".into(), Value::Array(item_params));
        one.insert(
            "get".into(),
            operation(
                &format!("get{name}"),
                tag,
                seed + 400,
                None,
                None,
                "200",
                schema_ref(s),
            ),
        );
        one.insert(
            "put".into(),
            operation(
                &format!("replace{name}"),
                tag,
                seed + 500,
                None,
                Some(schema_ref(s)),
                "200",
                schema_ref(s),
            ),
        );
        one.insert(
            "patch".into(),
            operation(
                &format!("update{name}"),
                tag,
                seed + 600,
                None,
                Some(patch_body(r)),
                "200",
                schema_ref(s),
            ),
        );
        let deleted = json!({
            "type": "object", "required": ["id", "deleted"],
            "properties": {
                "id": { "type": "string", "format": "uuid" },
                "deleted": { "type": "boolean" },
            },
        });
        one.insert(
            "delete".into(),
            operation(
                &format!("delete{name}"),
                tag,
                seed + 700,
                None,
                None,
                "200",
                deleted,
            ),
        );
        paths.insert(item, Value::Object(one));
    }
    let doc = json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Synthetic Platform API",
            "version": "2024-05-01",
            "description": prose(7, 6),
        },
        "servers": [{ "url": "https://api.example.com" }],
        "tags": DOMAINS.iter().map(|d| json!({ "name": d, "description": prose(d.len(), 2) })).collect::<Vec<_>>(),
        "security": [{ "bearer": [] }],
        "paths": paths,
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": schemas,
        },
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    let _ = writeln!(text);
    text
}

/// `tidings diff` of two versions of the synthetic 500-message spec: the new version tightens
/// a bound and adds an enum value in every message (1,000 changes to report).
pub fn compat() -> ExitCode {
    use tidings_codegen::compat::{self, Mode, Options};

    let dir = std::env::temp_dir().join(format!("tidings-bench-compat-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let (old, new) = (dir.join("old.yaml"), dir.join("new.yaml"));
    let old_text = synthetic_spec(500);
    let new_text = old_text
        .replace("maxLength: 200", "maxLength: 150")
        .replace(
            "[active, suspended, closed]",
            "[active, suspended, closed, archived]",
        );
    if let Err(e) = std::fs::write(&old, &old_text).and_then(|()| std::fs::write(&new, &new_text)) {
        eprintln!("cannot write the specs: {e}");
        return ExitCode::from(1);
    }
    let load = LoadOptions::default();
    let options = Options {
        mode: Mode::Full,
        strict: false,
    };
    let report = match compat::diff_specs(&old, &new, &load, &options) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let changes = report.changes().count();
    let whole = median(|| {
        let _ = std::hint::black_box(compat::diff_specs(&old, &new, &load, &options));
    });
    let (Ok((old_catalog, _)), Ok((new_catalog, _))) = (
        tidings_codegen::catalog(&old, &load),
        tidings_codegen::catalog(&new, &load),
    ) else {
        return ExitCode::from(1);
    };
    let compare = median(|| {
        let _ = std::hint::black_box(compat::diff_catalogs(&old_catalog, &new_catalog, &options));
    });
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "tidings diff, synthetic 500-message spec ({:.0} KiB), {changes} changes reported",
        old_text.len() as f64 / 1024.0
    );
    println!(
        "  load both + compare: {:>8.2} ms   (goal: under 1 s)",
        ms(whole)
    );
    println!("  compare only:        {:>8.2} ms", ms(compare));
    ExitCode::SUCCESS
}
