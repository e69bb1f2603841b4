//! What the broker benches share: CPU time read from `/proc`, and waiting for a broker to go
//! idle before a measurement.

use std::time::Duration;

/// Nanoseconds of CPU time all threads of process `pid` have used, from `/proc` (Linux; 0
/// elsewhere). Thread `schedstat`s count in nanoseconds, where `stat` counts in 10 ms ticks.
pub fn cpu_ns(pid: &str) -> u64 {
    let Ok(threads) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    threads
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// The pid of the oldest running process named `name`, if any.
pub fn pid_of(name: &str) -> Option<String> {
    let out = std::process::Command::new("pgrep")
        .args(["-o", "-x", name])
        .output()
        .ok()?;
    let pid = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (!pid.is_empty()).then_some(pid)
}

/// Waits (up to `within`) until the broker uses under a tenth of a core, so that work left
/// over from before (deleting a large stream, say) does not land in the next measurement.
pub async fn settle(broker: Option<&str>, within: Duration) {
    let Some(pid) = broker else { return };
    let deadline = tokio::time::Instant::now() + within;
    while tokio::time::Instant::now() < deadline {
        let before = cpu_ns(pid);
        tokio::time::sleep(Duration::from_millis(250)).await;
        if cpu_ns(pid) - before < 25_000_000 {
            return;
        }
    }
}
