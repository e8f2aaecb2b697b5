//! Jsonnet blocks in worker processes: every block that once ended the process or left work
//! running (issue 14) is an issue on its rule, the caller lives on, and no worker process or
//! thread is left behind.

use std::path::Path;
use std::process::Command;

use fieldmap::diagnostics::Span;
use fieldmap::jsonnet::{JsonnetBlock, JsonnetError, WorkerProcesses};
use serde_json::json;

fn workers() -> WorkerProcesses {
    WorkerProcesses::new(env!("CARGO_BIN_EXE_fieldmap"))
}

fn block(code: &str) -> std::sync::Arc<JsonnetBlock> {
    JsonnetBlock::compile(code, Span::default()).unwrap_or_else(|p| panic!("{code}: {p:?}"))
}

/// A process that exists and is not yet reaped (a zombie counts: it was never waited for).
fn exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// This process's threads that read a worker's replies (only this module's one test starts
/// worker processes in this process).
fn reader_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|tasks| {
            tasks
                .filter_map(Result::ok)
                .filter(|t| {
                    std::fs::read_to_string(t.path().join("comm"))
                        .is_ok_and(|name| name.starts_with("jsonnet-worker"))
                })
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn blocks_that_ended_the_process_or_kept_running_fail_alone() {
    let workers = workers();
    assert_eq!(
        workers
            .evaluate(&block("$.input.n + 1"), json!({"n": 41}))
            .unwrap()
            .value,
        json!(42)
    );
    let first = workers.idle_pids();
    assert_eq!(first.len(), 1, "one worker for one block at a time");

    // 'x' * 1e12 asks for a terabyte at once: in a thread of this process it aborted it.
    match workers.evaluate(&block("local s = 'x' * 1e12; std.length(s)"), json!({})) {
        Err(JsonnetError::OutOfMemory) => {}
        other => panic!("{other:?}"),
    }
    assert!(
        !exists(first[0]),
        "the worker that ran out of memory is reaped"
    );

    // Doubled forty times: refused by the string bound before it is built.
    match workers.evaluate(
        &block("std.foldl(function(s, i) s + s, std.range(1, 40), 'xxxxxxxxxx')"),
        json!({}),
    ) {
        Err(JsonnetError::Limit(message)) => assert!(message.contains("a string of"), "{message}"),
        other => panic!("{other:?}"),
    }

    // 300,000 deep: the depth bound, the time limit or the worker's stack, never this process.
    match workers.evaluate(
        &block("std.foldl(function(a, i) [a], std.range(0, 300000), [])"),
        json!({}),
    ) {
        Err(JsonnetError::Limit(_) | JsonnetError::Timeout) => {}
        other => panic!("{other:?}"),
    }

    // Eight blocks that run forever: each worker is killed at the time limit, none keeps
    // spinning, and the next block gets a fresh one.
    let spinning = block("local f(n) = if n == 0 then 0 else f(n - 1) + f(n - 1); f(100)");
    let mut killed = Vec::new();
    for _ in 0..8 {
        // A quick block first, so the worker the next block takes is known.
        workers.evaluate(&block("1"), json!({})).unwrap();
        let before = workers.idle_pids();
        assert_eq!(before.len(), 1);
        assert_eq!(
            workers.evaluate(&spinning, json!({})),
            Err(JsonnetError::Timeout)
        );
        killed.extend(before);
    }
    assert_eq!(killed.len(), 8);
    for pid in &killed {
        assert!(!exists(*pid), "worker {pid} was left running");
    }
    assert!(workers.idle_pids().is_empty(), "no worker is left");
    assert_eq!(reader_threads(), 0, "no reader thread is left");

    // The array bound refuses makeArray(1e9) before it allocates.
    match workers.evaluate(
        &block("std.length(std.makeArray(1e9, function(i) i))"),
        json!({}),
    ) {
        Err(JsonnetError::Limit(message)) => assert!(message.contains("an array of"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        workers
            .evaluate(&block("$.input.n * 2"), json!({"n": 21}))
            .unwrap()
            .value,
        json!(42)
    );

    // A worker killed from outside while idle is replaced.
    let plus_one = block("$.input.n + 1");
    assert_eq!(
        workers.evaluate(&plus_one, json!({"n": 1})).unwrap().value,
        json!(2)
    );
    let pid = workers.idle_pids()[0];
    let signalled = Command::new("kill").args(["-9", &pid.to_string()]).status();
    assert!(signalled.is_ok_and(|s| s.success()));
    // Dead, not yet reaped: a zombie whose threads have all ended, until the workers notice.
    let dead = || {
        let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|stat| stat.split(") ").nth(1).is_some_and(|s| s.starts_with('Z')));
        let threads = std::fs::read_dir(format!("/proc/{pid}/task")).map_or(0, Iterator::count);
        zombie && threads <= 1
    };
    while !dead() {
        std::thread::yield_now();
    }
    assert_eq!(
        workers.evaluate(&plus_one, json!({"n": 2})).unwrap().value,
        json!(3)
    );
    assert_ne!(workers.idle_pids(), [pid]);

    let last = workers.idle_pids();
    drop(workers);
    assert!(
        last.iter().all(|pid| !exists(*pid)),
        "dropping the workers ends them"
    );
}

#[test]
fn the_cli_reports_each_runaway_block_on_its_rule_and_finishes() {
    let dir = std::env::temp_dir().join(format!("fieldmap-isolation-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mapping = dir.join("runaway.fmap");
    std::fs::write(
        &mapping,
        r#"mapping "Runaway blocks" {
  source autotask.Ticket
  target fieldnation.WorkOrder
  title = "Printer down"
  types_of_work[0].id = 62
  description.html = jsonnet() |||
    std.foldl(function(s, i) s + s, std.range(1, 40), 'xxxxxxxxxx')
  |||
  location.address1 = jsonnet() |||
    local s = 'x' * 1e12; std.length(s)
  |||
  location.city = jsonnet() |||
    std.length(std.makeArray(1e9, function(i) i))
  |||
  location.state = jsonnet() |||
    local f(n) = if n == 0 then 0 else f(n - 1) + f(n - 1); f(100)
  |||
}
"#,
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_fieldmap"))
        .args(["run"])
        .arg(&mapping)
        .args([
            "--ticket",
            "mappings/fixtures/tickets.xml",
            "--records",
            "mappings/fixtures/",
            "--id",
            "9137",
            "--now",
            "2025-01-15T09:00:00",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    for expected in [
        "`description.html`: the Jsonnet block went past a limit: a string of",
        "`location.address1`: the Jsonnet block ran out of memory (limit 512 MiB)",
        "`location.city`: the Jsonnet block went past a limit: an array of 1000000000 elements",
        "`location.state`: the Jsonnet block ran longer than 2000 ms and was stopped",
    ] {
        assert!(stderr.contains(expected), "{expected}\n{stderr}");
    }
    let work_order: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(work_order["title"], "Printer down");
}
