//! A description of the machine a benchmark ran on.

use serde::{Deserialize, Serialize};

/// CPU, cores, memory and load at the time of measurement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// `model name` from /proc/cpuinfo.
    pub cpu_model: String,
    /// Logical CPUs available to this process.
    pub cores: usize,
    /// SIMD extensions relevant to dense linear algebra that the CPU reports.
    pub simd: Vec<String>,
    /// Total memory, MiB.
    pub memory_mib: u64,
    /// Load averages over 1, 5 and 15 minutes (/proc/loadavg).
    pub load_average: [f64; 3],
    /// Operating system and architecture.
    pub os: String,
}

impl Machine {
    /// Reads the description of this machine (missing files give empty fields).
    pub fn current() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let field = |key: &str| {
            cpuinfo
                .lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split(':').nth(1))
                .map(|v| v.trim().to_string())
        };
        let flags = field("flags").unwrap_or_default();
        let simd = ["avx2", "fma", "avx512f", "avx512vl"]
            .iter()
            .filter(|f| flags.split_whitespace().any(|g| g == **f))
            .map(|f| f.to_string())
            .collect();
        Machine {
            cpu_model: field("model name").unwrap_or_else(|| "unknown".into()),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            simd,
            memory_mib: std::fs::read_to_string("/proc/meminfo")
                .ok()
                .and_then(|t| {
                    t.lines()
                        .find(|l| l.starts_with("MemTotal:"))
                        .and_then(|l| l.split_whitespace().nth(1))
                        .and_then(|v| v.parse::<u64>().ok())
                })
                .map_or(0, |kib| kib / 1024),
            load_average: load_average(),
            os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
        }
    }
}

/// The load averages from /proc/loadavg (zeros if unreadable).
pub fn load_average() -> [f64; 3] {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut v = text.split_whitespace().map(|x| x.parse().unwrap_or(0.0));
    [
        v.next().unwrap_or(0.0),
        v.next().unwrap_or(0.0),
        v.next().unwrap_or(0.0),
    ]
}
