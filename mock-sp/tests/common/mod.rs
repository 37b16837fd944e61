//! Killing a process of this test binary mid-work.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// In the process to be killed: two threads run `step` on the IDs `r<round>-t<thread>-<i>`
/// until the process dies, printing `ack <id>` for each step that says it is done (what
/// the store acknowledged).
pub fn work_until_killed(round: &str, step: impl Fn(&str) -> bool + Send + Sync + 'static) {
    let step = Arc::new(step);
    let threads: Vec<_> = (0..2)
        .map(|t| {
            let (step, round) = (Arc::clone(&step), round.to_owned());
            std::thread::spawn(move || {
                for i in 0.. {
                    let id = format!("r{round}-t{t}-{i}");
                    if step(&id) {
                        println!("ack {id}");
                    }
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
}

/// Runs this test binary's test `test` again with `env` set (the work it does when set),
/// kills it with SIGKILL after `delay`, and returns what it acknowledged: the rest of
/// each stdout line starting `ack `.
pub fn run_and_kill(test: &str, env: (&str, &str), delay: Duration) -> Vec<String> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(env.0, env.1)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .filter_map(|l| l.strip_prefix("ack ").map(str::to_owned))
            .collect::<Vec<_>>()
    });
    std::thread::sleep(delay);
    child.kill().unwrap();
    child.wait().unwrap();
    reader.join().unwrap()
}

/// The `n`th of a fixed sequence of kill delays between 50 and 300 ms.
pub fn delay(n: u64) -> Duration {
    let mut seed = 0x00BA_4C0F_FEE5_u64 ^ n;
    for _ in 0..3 {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    }
    Duration::from_millis(50 + (seed >> 33) % 250)
}
