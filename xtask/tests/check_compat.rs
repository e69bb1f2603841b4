//! `cargo xtask check-compat` end to end, in scratch git repositories.
//!
//! Git runs without the machine's global and system configuration, so the tests pass on a
//! machine where git was never configured.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A scratch repository with `specs/orders.yaml` from this workspace.
struct Repo {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    no_config: PathBuf,
}

impl Repo {
    /// An empty repository whose first branch is `branch`.
    fn empty(branch: &str) -> Repo {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("repo");
        std::fs::create_dir(&dir).unwrap();
        let no_config = tmp.path().join("no-gitconfig");
        let repo = Repo {
            _tmp: tmp,
            dir,
            no_config,
        };
        repo.git(&["-c", &format!("init.defaultBranch={branch}"), "init", "-q"]);
        repo
    }

    /// A repository on `main` whose one commit holds `specs/orders.yaml`.
    fn with_orders() -> Repo {
        let repo = Repo::empty("main");
        repo.write("specs/orders.yaml", &orders());
        repo.commit("orders");
        repo
    }

    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(&self.dir)
            .env("GIT_CONFIG_GLOBAL", &self.no_config)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE");
        command
    }

    fn git(&self, args: &[&str]) {
        let out = self
            .command("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn write(&self, path: &str, content: &str) {
        let path = self.dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    /// Runs `xtask check-compat ARGS` in the repository (or in `subdir` of it).
    fn check_compat_in(&self, subdir: &str, args: &[&str]) -> Run {
        let output = self
            .command(env!("CARGO_BIN_EXE_xtask"))
            .current_dir(self.dir.join(subdir))
            .arg("check-compat")
            .args(args)
            .output()
            .unwrap();
        Run::from(output)
    }

    fn check_compat(&self, args: &[&str]) -> Run {
        self.check_compat_in("", args)
    }
}

/// What a run printed, and its exit status.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Run {
    fn expect(&self, code: i32) -> &Run {
        assert_eq!(
            self.code,
            Some(code),
            "exit status\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    fn output(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

fn orders() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/orders.yaml");
    std::fs::read_to_string(path).unwrap()
}

/// `orders` with `warehouseId` added to the required fields of `OrderConfirmedData` (and to
/// the message's example, which stays valid).
fn orders_with_required_warehouse() -> String {
    let text = orders();
    let required =
        "    OrderConfirmedData:\n      type: object\n      required:\n        - orderId\n";
    assert!(text.contains(required), "orders.yaml changed shape");
    let text = text.replacen(required, &format!("{required}        - warehouseId\n"), 1);
    let properties = "        confirmedAt:\n          type: string\n          format: date-time\n        estimatedShipDate:\n";
    assert!(text.contains(properties), "orders.yaml changed shape");
    let text = text.replacen(
        properties,
        &properties.replace(
            "        estimatedShipDate:\n",
            "        warehouseId:\n          type: string\n        estimatedShipDate:\n",
        ),
        1,
    );
    let example = "              confirmedAt: '2025-03-01T12:00:04Z'\n";
    assert!(text.contains(example), "orders.yaml changed shape");
    text.replacen(
        example,
        &format!("{example}              warehouseId: wh-1\n"),
        1,
    )
}

#[test]
fn unchanged_spec_is_compatible() {
    let repo = Repo::with_orders();
    let run = repo.check_compat(&["--against", "HEAD"]);
    run.expect(0);
    assert!(
        run.stdout.contains("specs/orders.yaml: compatible"),
        "{}",
        run.stdout
    );
}

#[test]
fn unchanged_spec_is_compatible_in_every_mode() {
    let repo = Repo::with_orders();
    for mode in ["backward", "forward", "full"] {
        repo.check_compat(&["--against", "HEAD", "--mode", mode, "--strict"])
            .expect(0);
    }
}

/// Needs the compatibility engine (`diff_catalogs`) to report `required-added`.
#[test]
fn required_field_added_is_backward_incompatible() {
    let repo = Repo::with_orders();
    repo.write("specs/orders.yaml", &orders_with_required_warehouse());
    let run = repo.check_compat(&["--against", "HEAD"]);
    run.expect(1);
    let output = run.output();
    assert!(
        output.contains("com.acme.order.confirmed") || output.contains("OrderConfirmed"),
        "{output}"
    );
    assert!(output.contains("required-added"), "{output}");
    assert!(
        output.contains("specs/orders.yaml: INCOMPATIBLE"),
        "{output}"
    );

    // Once committed, the work tree equals HEAD again.
    repo.commit("warehouse required");
    repo.check_compat(&["--against", "HEAD"]).expect(0);
    repo.check_compat(&["--against", "HEAD~1"]).expect(1);
}

#[test]
fn deleted_spec_breaks() {
    let repo = Repo::with_orders();
    std::fs::remove_file(repo.dir.join("specs/orders.yaml")).unwrap();
    let run = repo.check_compat(&["--against", "HEAD"]);
    run.expect(1);
    assert!(
        run.stdout.contains("specs/orders.yaml: deleted: breaking"),
        "{}",
        run.stdout
    );
}

#[test]
fn added_spec_is_compatible() {
    let repo = Repo::empty("main");
    repo.write("README.md", "no specs yet\n");
    repo.commit("readme");
    // Untracked, not even staged.
    repo.write("specs/orders.yaml", &orders());
    let run = repo.check_compat(&["--against", "HEAD"]);
    run.expect(0);
    assert!(
        run.stdout.contains("specs/orders.yaml: added: compatible"),
        "{}",
        run.stdout
    );
}

#[test]
fn unreadable_spec_is_an_error() {
    let repo = Repo::with_orders();
    repo.write(
        "specs/orders.yaml",
        "asyncapi: 3.0.0\ninfo: {title: [unclosed\n",
    );
    let run = repo.check_compat(&["--against", "HEAD"]);
    run.expect(2);
    assert!(
        run.stdout.contains("specs/orders.yaml: unreadable"),
        "{}",
        run.stdout
    );
    // The loader's diagnostic, located in the file.
    assert!(run.stderr.contains("error:"), "{}", run.stderr);
    assert!(run.stderr.contains("orders.yaml:"), "{}", run.stderr);
}

#[test]
fn unreadable_spec_wins_over_incompatible_one() {
    let repo = Repo::with_orders();
    repo.write("specs/other.yaml", &orders());
    repo.commit("other");
    std::fs::remove_file(repo.dir.join("specs/other.yaml")).unwrap();
    repo.write("specs/orders.yaml", "asyncapi: [\n");
    repo.check_compat(&["--against", "HEAD"]).expect(2);
}

#[test]
fn unknown_revision_is_an_error() {
    let repo = Repo::with_orders();
    let run = repo.check_compat(&["--against", "no-such-branch"]);
    run.expect(2);
    assert!(run.stderr.contains("no-such-branch"), "{}", run.stderr);
}

#[test]
fn usage_errors() {
    let repo = Repo::with_orders();
    repo.check_compat(&["--mode", "sideways"]).expect(2);
    repo.check_compat(&["--against"]).expect(2);
    repo.check_compat(&["--frobnicate"]).expect(2);
    repo.check_compat(&["--help"]).expect(0);
}

#[test]
fn outside_a_repository_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(tmp.path())
        .env("GIT_CEILING_DIRECTORIES", tmp.path().parent().unwrap())
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .args(["check-compat", "--against", "HEAD"])
        .output()
        .unwrap();
    Run::from(out).expect(2);
}

#[test]
fn no_matching_spec_is_an_error() {
    let repo = Repo::with_orders();
    let run = repo.check_compat(&["--against", "HEAD", "--specs", "schemas/*.yaml"]);
    run.expect(2);
    assert!(run.stderr.contains("no spec matches"), "{}", run.stderr);
}

#[test]
fn default_revision_is_the_merge_base_with_main() {
    let repo = Repo::with_orders();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("specs/extra.yaml", &orders());
    repo.commit("extra on the feature branch");
    // Run from a subfolder: the repository root is found.
    let run = repo.check_compat_in("specs", &[]);
    run.expect(0);
    assert!(
        run.stdout.contains("merge-base of HEAD and main"),
        "{}",
        run.stdout
    );
    // Against main's tip, the feature branch's spec is new.
    assert!(
        run.stdout.contains("specs/extra.yaml: added: compatible"),
        "{}",
        run.stdout
    );
}

#[test]
fn without_main_the_default_revision_is_head() {
    let repo = Repo::empty("trunk");
    repo.write("specs/orders.yaml", &orders());
    repo.commit("orders");
    let run = repo.check_compat(&[]);
    run.expect(0);
    assert!(run.stderr.contains("no `main` branch"), "{}", run.stderr);
}

#[test]
fn specs_glob_selects_nested_specs_with_sibling_refs() {
    let repo = Repo::empty("main");
    let spec = "asyncapi: 3.0.0\n\
                info: {title: Things, version: 1.0.0}\n\
                channels:\n  things:\n    address: things\n    messages:\n      \
                made:\n        $ref: '#/components/messages/made'\n\
                components:\n  messages:\n    made:\n      name: thing.made\n      \
                payload:\n        $ref: 'schemas/thing.yaml'\n";
    repo.write("services/things/asyncapi.yaml", spec);
    repo.write(
        "services/things/schemas/thing.yaml",
        "type: object\nproperties:\n  id: {type: string}\n",
    );
    repo.commit("things");
    let run = repo.check_compat(&["--against", "HEAD", "--specs", "services/**/asyncapi.yaml"]);
    run.expect(0);
    assert!(
        run.stdout
            .contains("services/things/asyncapi.yaml: compatible"),
        "{}",
        run.stdout
    );
    // The sibling file is not a spec of its own.
    assert!(!run.stdout.contains("thing.yaml"), "{}", run.stdout);
}
