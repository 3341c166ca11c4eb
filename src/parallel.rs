//! Deterministic parallelism: a fixed list of work items shared by a few workers.
//!
//! The items (row blocks of a matrix, chunks of an AGOP) are fixed by the problem size, never by
//! the thread count, and each item is computed by one worker, sequentially. Results come back in
//! item order, so any later reduction adds them in the same order whatever the number of threads:
//! the numbers do not depend on `--threads`. Each worker owns one scratch value, so memory grows with
//! the number of workers, not the number of items. Dense kernels called inside an item must run
//! sequentially (faer `Par::Seq`): one level of parallelism at a time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Computes `work(item, scratch)` for every item in `0..items` on up to `workers` threads of the
/// current rayon pool (inline when `workers ≤ 1` or there is a single item) and returns the
/// results in item order. `init` creates one scratch value per worker.
pub fn map_items<S, R, I, W>(items: usize, workers: usize, init: I, work: W) -> Vec<R>
where
    S: Send,
    R: Send,
    I: Fn() -> S,
    W: Fn(usize, &mut S) -> R + Sync,
{
    map_items_reusing(items, workers, &mut Vec::new(), init, work)
}

/// Like [`map_items`], with the workers' scratch values kept in `scratch` between calls (so that
/// large buffers are allocated once per run, not once per call): missing ones are created with
/// `init`; callers drop the ones of another size before the call.
pub fn map_items_reusing<S, R, I, W>(
    items: usize,
    workers: usize,
    scratch: &mut Vec<S>,
    init: I,
    work: W,
) -> Vec<R>
where
    S: Send,
    R: Send,
    I: Fn() -> S,
    W: Fn(usize, &mut S) -> R + Sync,
{
    let workers = workers.min(items).max(1);
    while scratch.len() < workers {
        scratch.push(init());
    }
    if workers == 1 {
        let s = &mut scratch[0];
        return (0..items).map(|i| work(i, s)).collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<R>>> = (0..items).map(|_| Mutex::new(None)).collect();
    rayon::scope(|sc| {
        for s in scratch[..workers].iter_mut() {
            let (next, slots, work) = (&next, &slots, &work);
            sc.spawn(move |_| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= items {
                    break;
                }
                let r = work(i, s);
                *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
            });
        }
    });
    slots
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .expect("every item is computed exactly once")
        })
        .collect()
}

/// Splits `0..n` into `parts` contiguous ranges of nearly equal length (the first ones one longer).
pub fn even_ranges(n: usize, parts: usize) -> Vec<std::ops::Range<usize>> {
    let parts = parts.clamp(1, n.max(1));
    let (q, r) = (n / parts, n % parts);
    let mut start = 0;
    (0..parts)
        .map(|i| {
            let len = q + usize::from(i < r);
            let range = start..start + len;
            start += len;
            range
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_item_order_whatever_the_worker_count() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        for workers in [1, 2, 3, 8] {
            let out = pool.install(|| {
                map_items(
                    17,
                    workers,
                    || 0usize,
                    |i, calls| {
                        *calls += 1;
                        i * i
                    },
                )
            });
            assert_eq!(out, (0..17).map(|i| i * i).collect::<Vec<_>>());
        }
        assert!(map_items(0, 2, || (), |i, _| i).is_empty());
        // Reused scratch: created once, then kept.
        let mut scratch = Vec::new();
        for _ in 0..3 {
            let out = pool.install(|| {
                map_items_reusing(
                    9,
                    2,
                    &mut scratch,
                    || 0usize,
                    |i, calls| {
                        *calls += 1;
                        i + 1
                    },
                )
            });
            assert_eq!(out, (1..=9).collect::<Vec<_>>());
        }
        assert_eq!(scratch.len(), 2);
        assert_eq!(scratch.iter().sum::<usize>(), 27);
    }

    #[test]
    fn even_ranges_cover_without_overlap() {
        for (n, parts) in [(10, 3), (3, 10), (0, 4), (128, 16)] {
            let r = even_ranges(n, parts);
            assert_eq!(r.first().map(|r| r.start), Some(0));
            assert_eq!(r.last().map(|r| r.end), Some(n));
            assert!(r.windows(2).all(|w| w[0].end == w[1].start));
            let lens: Vec<usize> = r.iter().map(|r| r.len()).collect();
            assert!(lens.iter().max().unwrap() - lens.iter().min().unwrap() <= 1);
        }
    }
}
