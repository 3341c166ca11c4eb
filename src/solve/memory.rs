//! Memory facts of this process: the memory available and the peak resident set size (`VmHWM`),
//! read from /proc. The estimate of a run's memory is [`crate::rfm::memory`].

/// Memory available to this process: `MemAvailable` from /proc/meminfo, if readable.
pub fn available_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    proc_kib(&text, "MemAvailable:")
}

/// Peak resident set size of this process so far (`VmHWM` from /proc/self/status), if readable.
pub fn peak_rss_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    proc_kib(&text, "VmHWM:")
}

/// Resets the peak resident set size of this process to the current one (Linux ≥ 4.0: writes 5 to
/// /proc/self/clear_refs), so that [`peak_rss_bytes`] measures what follows. Freed heap memory is
/// first returned to the system (glibc `malloc_trim`), so that buffers of an earlier measurement do
/// not count. Returns whether the reset worked.
pub fn reset_peak_rss() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> std::os::raw::c_int;
        }
        // SAFETY: glibc's malloc_trim only releases free memory of the allocator to the system; it
        // is safe to call at any time from any thread.
        unsafe {
            malloc_trim(0);
        }
    }
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn proc_kib(text: &str, key: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(key))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_files_parse() {
        assert_eq!(
            proc_kib("VmPeak:\t 10 kB\nVmHWM:\t  2048 kB\n", "VmHWM:"),
            Some(2 << 20)
        );
        assert_eq!(proc_kib("nothing", "VmHWM:"), None);
        if cfg!(target_os = "linux") {
            assert!(peak_rss_bytes().unwrap() > 0);
        }
    }
}
