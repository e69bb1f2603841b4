//! Code generation benchmark: the largest corpus document and a synthetic 500-message spec.
//!
//! For each: the median time to generate Rust (load, resolve, model, emit, format), the median
//! time to only parse the same YAML, their ratio, and the peak memory of a process that
//! generates it once.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use tidings_codegen::source::node::{self, DocId, Limits};
use tidings_codegen::LoadOptions;

pub fn codegen() -> ExitCode {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let corpus = repo.join("../shared/corpus/asyncapi-spec-examples");
    let Some(largest) = largest_yaml(&corpus) else {
        eprintln!("no corpus at {}", corpus.display());
        return ExitCode::from(1);
    };
    let dir = std::env::temp_dir().join(format!("tidings-bench-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let synthetic = dir.join("synthetic-500.yaml");
    if let Err(e) = std::fs::write(&synthetic, synthetic_spec(500)) {
        eprintln!("cannot write {}: {e}", synthetic.display());
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
        ok &= report(spec);
    }
    let _ = std::fs::remove_dir_all(&dir);
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn report(spec: &Path) -> bool {
    let text = match std::fs::read_to_string(spec) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{}: {e}", spec.display());
            return false;
        }
    };
    let options = LoadOptions::default();
    if let Err(e) = tidings_codegen::generate(spec, &options) {
        eprintln!("{e}");
        return false;
    }
    let generate = median(|| {
        let _ = std::hint::black_box(tidings_codegen::generate(spec, &options));
    });
    let parse = median(|| {
        let _ = std::hint::black_box(node::parse(&text, DocId(0), Limits::default()));
    });
    let peak = peak_rss(spec).map_or_else(
        || "n/a".to_string(),
        |kib| format!("{:.1} MiB", kib as f64 / 1024.0),
    );
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
        peak
    );
    true
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Median of enough runs to fill about two seconds (at least 5, at most 200).
fn median(mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    f();
    let once = start.elapsed().max(Duration::from_micros(1));
    let runs = (Duration::from_secs(2).as_nanos() / once.as_nanos()).clamp(5, 200) as usize;
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
