//! `tidings docs`: the event catalog site. Its pages hold what the specs say (every message on
//! the index, payload tables with constraints, examples, version changes), every link inside
//! the site leads to a file of the site, every raw schema compiles, bad input writes nothing,
//! and every document of the AsyncAPI corpus is documented without error.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tidings_codegen::LoadOptions;

#[path = "../../tests/src/corpus.rs"]
mod corpus;

fn tidings(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tidings"))
        .args(args)
        .output()
        .expect("the tidings binary runs")
}

/// `tidings docs SPEC --out OUT [extra...]`, which must succeed.
fn docs(spec: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "docs",
        spec.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let run = tidings(&args);
    assert!(
        run.status.success(),
        "{}: {}",
        spec.display(),
        String::from_utf8_lossy(&run.stderr)
    );
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `href="..."` of `html`.
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

/// Every file under `dir`, relative to it.
fn files(dir: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out
}

/// The relative `link` of the page at `page` names a file.
fn assert_leads_to_a_file(page: &Path, link: &str) {
    let resolved = page.parent().unwrap().join(link);
    assert!(
        resolved.is_file(),
        "{}: link {link} leads nowhere",
        page.display()
    );
}

/// Every relative link of every page leads to a file of the site; the raw schemas compile.
fn check_site(dir: &Path) -> usize {
    let mut checked = 0;
    for file in files(dir) {
        let path = dir.join(&file);
        let text = std::fs::read_to_string(&path).unwrap();
        if file.extension().is_some_and(|e| e == "json") {
            let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
            tidings::schema::Schema::compile(&schema)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            continue;
        }
        if file.extension().is_none_or(|e| e != "html") {
            continue;
        }
        for link in links(&text) {
            let target = link.split('#').next().unwrap_or_default();
            if target.is_empty() || target.contains("://") {
                continue;
            }
            assert_leads_to_a_file(&path, target);
            checked += 1;
        }
    }
    checked
}

#[test]
fn the_orders_catalog_shows_what_the_spec_says() {
    let spec = repo().join("specs/orders.yaml");
    let (catalog, _) = tidings_codegen::catalog(&spec, &LoadOptions::default()).unwrap();
    let site =
        tidings_codegen::docs::site(std::slice::from_ref(&catalog), &Default::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    site.write(dir.path()).unwrap();

    let index = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
    let rows = index.matches("<tr data-search=").count();
    assert_eq!(rows, catalog.messages.len(), "one index row per message");
    for m in &catalog.messages {
        assert!(
            index.contains(&format!(">{}</a>", m.name)),
            "{} on the index",
            m.name
        );
    }
    assert!(index.contains("id=\"search\""), "a search box");

    // The newest order.created: its payload table, constraints, examples and versions.
    let page = std::fs::read_dir(dir.path().join("messages"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().contains("order.created-2.0.0"))
        .expect("a page for com.acme.order.created 2.0.0");
    let html = std::fs::read_to_string(page).unwrap();
    for expected in [
        "id=\"payload-table\"",
        "<code>data.items[].quantity</code>",
        "minimum 1",
        "pattern ^[A-Z]{2}$",
        "<figcaption>withPromotion</figcaption>",
        "property-added",
        "Raw JSON Schema",
    ] {
        assert!(
            html.contains(expected),
            "no `{expected}` on the page:\n{html}"
        );
    }
    let checked = check_site(dir.path());
    assert!(checked > 100, "{checked} links checked");
}

#[test]
fn templates_can_be_replaced_and_a_broken_one_is_an_error_that_writes_nothing() {
    let spec = repo().join("specs/orders.yaml");
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    let templates = out.path().join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(
        templates.join("foot.hbs"),
        "<footer>ours: {{#each specs}}{{name}}{{/each}}</footer></body></html>",
    )
    .unwrap();
    let args = |t: &Path| {
        vec![
            "docs".to_owned(),
            spec.display().to_string(),
            "--out".into(),
            site.display().to_string(),
            "--templates".into(),
            t.display().to_string(),
        ]
    };
    let run = |a: Vec<String>| tidings(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let first = run(args(&templates));
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(
        index.contains("<footer>ours: orders.yaml</footer>"),
        "{index}"
    );

    // A template that does not parse: exit 1, its name in the message, the site as it was.
    std::fs::write(templates.join("message.hbs"), "{{#each}} unclosed").unwrap();
    let second = run(args(&templates));
    assert_eq!(second.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("message.hbs"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(site.join("index.html")).unwrap(),
        index
    );

    // A broken spec: exit 1 with its place, nothing written.
    let broken = out.path().join("broken.yaml");
    std::fs::write(
        &broken,
        "asyncapi: 3.0.0\ninfo: {title: x, version: '1'}\nchannels: [1]\n",
    )
    .unwrap();
    let third = tidings(&[
        "docs",
        broken.to_str().unwrap(),
        "--out",
        site.to_str().unwrap(),
    ]);
    assert_eq!(third.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&third.stderr).contains("broken.yaml:"));
    assert_eq!(
        std::fs::read_to_string(site.join("index.html")).unwrap(),
        index
    );
}

#[test]
fn every_corpus_asyncapi_document_is_documented() {
    let Some(dir) = corpus::corpus("docs over the corpus", "asyncapi-spec-examples") else {
        return;
    };
    // References may reach anywhere in the corpus (its examples share `common/` folders).
    let load = LoadOptions {
        root: Some(dir.clone()),
        ..LoadOptions::default()
    };
    let root = dir.to_str().unwrap().to_owned();
    let mut specs = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                specs.push(path);
            }
        }
    }
    specs.sort();
    let out = tempfile::tempdir().unwrap();
    let mut documented = 0;
    let mut refused = Vec::new();
    for spec in &specs {
        // What the generator refuses (a broken or a partial document), docs refuse alike:
        // the test is that no document that loads fails to be documented.
        if tidings_codegen::catalog(spec, &load).is_err() {
            // Only fragments that other documents reference (no `asyncapi:` of their own).
            let text = std::fs::read_to_string(spec).unwrap();
            assert!(
                !text.lines().any(|l| l.starts_with("asyncapi:")),
                "{} is a document the generator refuses",
                spec.display()
            );
            refused.push(spec.display().to_string());
            continue;
        }
        let site = out.path().join(format!("site{documented}"));
        docs(spec, &site, &["--root", &root]);
        check_site(&site);
        documented += 1;
    }
    eprintln!("{documented} documented; fragments, not documents: {refused:?}");
    assert!(
        documented >= 50,
        "{documented} documented, refused: {refused:?}"
    );
}

/// A Chromium to run headless: `TIDINGS_CHROMIUM`, else `chromium` on the `PATH`. Without one
/// the browser test skips loudly, or fails when `TIDINGS_REQUIRE_BROWSER=1` (`.ci/run` sets
/// it, and installs Debian's `chromium` when it is missing).
fn chromium() -> Option<PathBuf> {
    use std::io::Write;
    let named = std::env::var_os("TIDINGS_CHROMIUM").map(PathBuf::from);
    let found = named.or_else(|| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
                .find(|p| p.is_file())
        })
    });
    if found.is_none() {
        assert!(
            std::env::var("TIDINGS_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "a browser is required (TIDINGS_REQUIRE_BROWSER=1) but no chromium was found"
        );
        let _ = writeln!(
            std::io::stderr(),
            "!!!!! SKIPPED the docs browser test: no chromium on the PATH (apt-get install \
             chromium; TIDINGS_REQUIRE_BROWSER=1 makes this a failure) !!!!!"
        );
    }
    found
}

/// The DOM of `url` after its scripts ran, as headless Chromium serialises it.
fn dom(browser: &Path, url: &str) -> String {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--dump-dom",
            url,
        ])
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The index rows the browser shows (those it did not hide), by message name.
fn visible_rows(dom: &str) -> Vec<String> {
    dom.split("<tr ")
        .skip(1)
        .filter(|row| {
            row.starts_with("data-search")
                && !row.split('>').next().unwrap_or("").contains("hidden")
        })
        .filter_map(|row| {
            row.split("\">")
                .nth(2)?
                .split("</a>")
                .next()
                .map(str::to_owned)
        })
        .collect()
}

#[test]
fn the_site_works_in_a_real_browser() {
    let Some(browser) = chromium() else { return };
    let spec = repo().join("specs/orders.yaml");
    let (catalog, _) = tidings_codegen::catalog(&spec, &LoadOptions::default()).unwrap();
    // Kept after the test (the screenshot is its artifact).
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("docs-browser");
    let _ = std::fs::remove_dir_all(&dir);
    docs(&spec, &dir, &[]);
    let index = format!("file://{}", dir.join("index.html").display());

    // Every message listed, none hidden.
    let all = visible_rows(&dom(&browser, &index));
    let names: BTreeSet<String> = catalog.messages.iter().map(|m| m.name.clone()).collect();
    assert_eq!(all.len(), catalog.messages.len(), "{all:?}");
    assert_eq!(all.iter().cloned().collect::<BTreeSet<_>>(), names);

    // Search narrows it: the script runs the `?q=` search as typing would.
    let narrowed = dom(&browser, &format!("{index}?q=payment"));
    let shown = visible_rows(&narrowed);
    assert!(!shown.is_empty() && shown.len() < all.len(), "{shown:?}");
    // Exactly the rows whose text (type, key, version, summary, channels, operations)
    // holds the term.
    let written = std::fs::read_to_string(dir.join("index.html")).unwrap();
    let expected: Vec<String> = written
        .split("<tr data-search=\"")
        .skip(1)
        .filter(|row| {
            row.split('"')
                .next()
                .is_some_and(|text| text.contains("payment"))
        })
        .filter_map(|row| {
            row.split("\">")
                .nth(2)?
                .split("</a>")
                .next()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(shown, expected);
    assert!(shown.iter().any(|n| n.contains("payment")), "{shown:?}");
    assert!(
        narrowed.contains(&format!("{} of {} messages", shown.len(), all.len())),
        "the count says what is shown"
    );

    // A message page: its payload table and its examples.
    let page = files(&dir)
        .into_iter()
        .find(|f| f.to_string_lossy().contains("order.created-2.0.0"))
        .expect("a page for order.created 2.0.0");
    let url = format!("file://{}", dir.join(&page).display());
    let message = dom(&browser, &url);
    let table = message
        .split("id=\"payload-table\"")
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .expect("a payload table");
    assert!(table.matches("<tr class=\"depth-").count() > 20, "{table}");
    assert!(table.contains("data.items[].quantity") && table.contains("minimum 1"));
    assert!(message.matches("<figure class=\"example\">").count() >= 2);

    // The screenshot, kept as the test's artifact.
    let shot = dir.join("message.png");
    let out = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .arg("--window-size=1280,1600")
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
    eprintln!("screenshot: {}", shot.display());
}

/// The HTML of the index and of one message page, against the committed snapshots
/// (`TIDINGS_BLESS=1` rewrites them; review the diff).
#[test]
fn the_pages_match_their_snapshots() {
    let spec = repo().join("specs/orders.yaml");
    let (catalog, _) = tidings_codegen::catalog(&spec, &LoadOptions::default()).unwrap();
    let site =
        tidings_codegen::docs::site(std::slice::from_ref(&catalog), &Default::default()).unwrap();
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let bless = std::env::var_os("TIDINGS_BLESS").is_some();
    let mut stale = Vec::new();
    for (path, name) in [
        ("index.html", "docs-index.html"),
        (
            "messages/orders-com.acme.order.created-2.0.0.html",
            "docs-order-created-2.html",
        ),
    ] {
        let page = site
            .files
            .iter()
            .find(|(p, _)| p == Path::new(path))
            .map(|(_, text)| text)
            .unwrap_or_else(|| panic!("no {path}"));
        let file = snapshots.join(name);
        if bless {
            std::fs::create_dir_all(&snapshots).unwrap();
            std::fs::write(&file, page).unwrap();
        }
        if std::fs::read_to_string(&file).ok().as_ref() != Some(page) {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "pages differ from {stale:?}; review and rerun with TIDINGS_BLESS=1"
    );
}

/// A spec committed three times: the message page's history shows each later version with
/// the checker's verdict, and the commit where it broke.
#[test]
fn history_shows_when_a_message_broke() {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .arg("-C")
            .arg(dir.path())
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    git(&["init", "-q"]);
    let spec = dir.path().join("events.yaml");
    let version = |properties: &str, required: &str| {
        format!(
            "asyncapi: 3.0.0\ninfo: {{title: Events, version: '1'}}\nchannels:\n  orders:\n    address: orders\n    messages:\n      placed:\n        name: com.acme.order.placed\n        payload:\n          type: object\n          required: [{required}]\n          properties:\n{properties}"
        )
    };
    let mut commits = Vec::new();
    for (n, (properties, required)) in [
        ("            id: {type: string}\n", "id"),
        ("            id: {type: string}\n            note: {type: string}\n", "id"),
        ("            id: {type: string}\n            note: {type: string}\n            total: {type: integer}\n", "id, total"),
    ]
    .into_iter()
    .enumerate()
    {
        std::fs::write(&spec, version(properties, required)).unwrap();
        git(&["add", "events.yaml"]);
        git(&["commit", "-q", "-m", &format!("version {}", n + 1)]);
        commits.push(git(&["rev-parse", "--short", "HEAD"]));
    }
    let site = dir.path().join("site");
    docs(&spec, &site, &["--history"]);
    let page = files(&site)
        .into_iter()
        .find(|f| f.starts_with("messages"))
        .expect("the message's page");
    let html = std::fs::read_to_string(site.join(page)).unwrap();
    let history = html
        .split("id=\"history\"")
        .nth(1)
        .expect("a history section");
    // Newest first: the break, then the compatible step.
    let breaking = history.find(&commits[2]).expect("the third commit");
    let compatible = history.find(&commits[1]).expect("the second commit");
    assert!(breaking < compatible, "{history}");
    assert!(history.contains("breaking backward"), "{history}");
    assert!(history.contains("required-added"), "{history}");
    assert!(history.contains(">compatible<"), "{history}");
    assert!(
        !history.contains(&commits[0]),
        "the first version has nothing before it"
    );
}

/// `--format markdown`: the same catalog as Markdown pages whose links resolve.
#[test]
fn the_markdown_catalog_links_up() {
    let spec = repo().join("specs/orders.yaml");
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("md");
    docs(&spec, &site, &["--format", "markdown"]);
    let (catalog, _) = tidings_codegen::catalog(&spec, &LoadOptions::default()).unwrap();
    let index = std::fs::read_to_string(site.join("index.md")).unwrap();
    let rows = index.lines().filter(|l| l.starts_with("| [")).count();
    assert_eq!(rows, catalog.messages.len(), "{index}");
    let mut checked = 0;
    for file in files(&site) {
        if file.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let path = site.join(&file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("<html"), "{}", file.display());
        for link in text.split("](").skip(1).filter_map(|r| r.split(')').next()) {
            assert_leads_to_a_file(&path, link);
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked} links checked");
    let page = files(&site)
        .into_iter()
        .find(|f| f.to_string_lossy().contains("order.created-2.0.0"))
        .unwrap();
    let text = std::fs::read_to_string(site.join(page)).unwrap();
    // A pattern's `|` is escaped inside its table cell.
    assert!(text.contains("`pattern ^(0\\|[1-9]"), "{text}");
    assert!(text.contains("```json"), "{text}");
}

/// A message's tags are on the index, searchable, and on its page; a trait's tags apply to a
/// message without tags of its own (traits merge as JSON Merge Patch: the message's own
/// `tags` replace the trait's), by reference too.
#[test]
fn tags_are_shown_and_searchable() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("tagged.yaml");
    std::fs::write(
        &spec,
        "asyncapi: 3.0.0\ninfo: {title: Tagged, version: '1'}\nchannels:\n  orders:\n    address: orders\n    messages:\n      placed:\n        name: com.acme.order.placed\n        tags: [{name: billing}]\n        traits: [{$ref: '#/components/messageTraits/common'}]\n        payload: {type: object}\n      shipped:\n        name: com.acme.order.shipped\n        traits: [{$ref: '#/components/messageTraits/common'}]\n        payload: {type: object}\ncomponents:\n  tags:\n    audit: {name: audit}\n  messageTraits:\n    common:\n      tags: [{$ref: '#/components/tags/audit'}]\n",
    )
    .unwrap();
    let site = dir.path().join("site");
    docs(&spec, &site, &[]);
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    let row = |name: &str| {
        index
            .split("<tr data-search=\"")
            .find(|r| r.starts_with(name))
            .unwrap_or_else(|| panic!("no row for {name}"))
            .to_owned()
    };
    let placed = row("com.acme.order.placed");
    let search = placed.split('"').next().unwrap();
    assert!(
        search.contains("billing") && !search.contains("audit"),
        "{search}"
    );
    assert!(
        placed.contains("<span class=\"tag\">billing</span>"),
        "{placed}"
    );
    let shipped = row("com.acme.order.shipped");
    assert!(
        shipped.contains("<span class=\"tag\">audit</span>"),
        "{shipped}"
    );
    let page = files(&site)
        .into_iter()
        .find(|f| f.to_string_lossy().contains("order.shipped"))
        .unwrap();
    let html = std::fs::read_to_string(site.join(page)).unwrap();
    assert!(
        html.contains("<th>Tags</th>") && html.contains(">audit</span>"),
        "{html}"
    );
}
