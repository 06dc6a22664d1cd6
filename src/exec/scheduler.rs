//! A DAG executor: at most `jobs` tasks in flight, dependencies before
//! dependents, ready tasks ordered by longest remaining critical path.
//!
//! The scheduler knows nothing about modules or models: it runs `work` on
//! nodes whose dependencies all succeeded, and tells the caller about every
//! node that finished, failed, or was skipped because a dependency failed.

use std::collections::{BinaryHeap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

/// How one node ended: `work`'s success value `T` or error `E`, or why it
/// never ran.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome<T, E> {
    Done(T),
    /// `work` returned an error.
    Failed(E),
    /// A dependency (named) failed or was skipped, so this never ran.
    Skipped(usize),
    /// Cancelled (Ctrl-C) before it started.
    Cancelled,
}

/// Runs `work(i)` for nodes `0..n`, where `deps[i]` lists the nodes `i`
/// depends on (all `< n`). A node whose `work` fails skips its dependents;
/// `on_finish` is called on the calling thread as each node ends, in
/// completion order.
pub fn run<T: Send, E: Send>(
    n: usize,
    deps: &[Vec<usize>],
    jobs: usize,
    cancel: &AtomicBool,
    work: impl Fn(usize) -> Result<T, E> + Sync,
    mut on_finish: impl FnMut(usize, Outcome<T, E>),
) {
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut waiting: Vec<usize> = vec![0; n];
    for (i, ds) in deps.iter().enumerate() {
        for &d in ds {
            dependents[d].push(i);
            waiting[i] += 1;
        }
    }
    let priority = critical_paths(&dependents);
    let mut ready: BinaryHeap<(usize, std::cmp::Reverse<usize>)> = (0..n)
        .filter(|&i| waiting[i] == 0)
        .map(|i| (priority[i], std::cmp::Reverse(i)))
        .collect();
    let mut ended = vec![false; n];
    let (tx, rx) = mpsc::channel::<(usize, Result<T, E>)>();
    let work = &work;
    std::thread::scope(|scope| {
        let mut running = 0;
        loop {
            while running < jobs.max(1) && !cancel.load(Ordering::SeqCst) {
                let Some((_, std::cmp::Reverse(i))) = ready.pop() else {
                    break;
                };
                let tx = tx.clone();
                running += 1;
                scope.spawn(move || {
                    let _ = tx.send((i, work(i)));
                });
            }
            if running == 0 {
                break;
            }
            let Ok((i, result)) = rx.recv() else { break };
            running -= 1;
            ended[i] = true;
            match result {
                Ok(r) => {
                    on_finish(i, Outcome::Done(r));
                    for &d in &dependents[i] {
                        waiting[d] -= 1;
                        if waiting[d] == 0 {
                            ready.push((priority[d], std::cmp::Reverse(d)));
                        }
                    }
                }
                Err(r) => {
                    on_finish(i, Outcome::Failed(r));
                    skip_dependents(i, &dependents, &mut ended, &mut on_finish);
                }
            }
        }
    });
    for (i, done) in ended.iter().enumerate() {
        if !done {
            on_finish(i, Outcome::Cancelled);
        }
    }
}

fn skip_dependents<T, E>(
    failed: usize,
    dependents: &[Vec<usize>],
    ended: &mut [bool],
    on_finish: &mut impl FnMut(usize, Outcome<T, E>),
) {
    let mut stack = vec![failed];
    while let Some(f) = stack.pop() {
        for &d in &dependents[f] {
            if !ended[d] {
                ended[d] = true;
                on_finish(d, Outcome::Skipped(f));
                stack.push(d);
            }
        }
    }
}

/// Length of the longest chain of dependents below each node (itself
/// included): the work that cannot start until it finishes.
fn critical_paths(dependents: &[Vec<usize>]) -> Vec<usize> {
    fn visit(i: usize, dependents: &[Vec<usize>], memo: &mut HashMap<usize, usize>) -> usize {
        if let Some(&v) = memo.get(&i) {
            return v;
        }
        let v = 1 + dependents[i]
            .iter()
            .map(|&d| visit(d, dependents, memo))
            .max()
            .unwrap_or(0);
        memo.insert(i, v);
        v
    }
    let mut memo = HashMap::new();
    (0..dependents.len())
        .map(|i| visit(i, dependents, &mut memo))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn dependencies_first_and_bounded() {
        // 0 <- 1 <- 2, and 3, 4 independent.
        let deps = vec![vec![], vec![0], vec![1], vec![], vec![]];
        let order = Mutex::new(Vec::new());
        let in_flight = AtomicUsize::new(0);
        let max = AtomicUsize::new(0);
        let mut finished = Vec::new();
        run(
            5,
            &deps,
            2,
            &AtomicBool::new(false),
            |i| {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(5));
                order.lock().unwrap().push(i);
                in_flight.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, ()>(i)
            },
            |i, o| finished.push((i, o)),
        );
        let order = order.into_inner().unwrap();
        let pos = |x| order.iter().position(|&y| y == x).unwrap();
        assert!(pos(0) < pos(1) && pos(1) < pos(2));
        assert!(max.load(Ordering::SeqCst) <= 2);
        assert_eq!(finished.len(), 5);
    }

    #[test]
    fn longest_critical_path_starts_first() {
        // 0 <- 1 <- 2, and 3, 4 independent: with one job, the chain goes
        // first because everything else could overlap with it.
        let deps = vec![vec![], vec![0], vec![1], vec![], vec![]];
        let started = Mutex::new(Vec::new());
        run(
            5,
            &deps,
            1,
            &AtomicBool::new(false),
            |i| {
                started.lock().unwrap().push(i);
                Ok::<_, ()>(())
            },
            |_, _| {},
        );
        assert_eq!(started.into_inner().unwrap(), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn failure_skips_dependents_only() {
        let deps = vec![vec![], vec![0], vec![1], vec![]];
        let mut outcomes: Vec<(usize, Outcome<(), ()>)> = Vec::new();
        run(
            4,
            &deps,
            1,
            &AtomicBool::new(false),
            |i| if i == 0 { Err(()) } else { Ok(()) },
            |i, o| outcomes.push((i, o)),
        );
        outcomes.sort_by_key(|(i, _)| *i);
        assert_eq!(outcomes[0].1, Outcome::Failed(()));
        assert_eq!(outcomes[1].1, Outcome::Skipped(0));
        assert_eq!(outcomes[2].1, Outcome::Skipped(1));
        assert_eq!(outcomes[3].1, Outcome::Done(()));
    }

    #[test]
    fn cancelled_before_start() {
        let deps = vec![vec![], vec![]];
        let mut outcomes = Vec::new();
        run(
            2,
            &deps,
            1,
            &AtomicBool::new(true),
            |_| Ok::<(), ()>(()),
            |i, o| outcomes.push((i, o)),
        );
        assert_eq!(outcomes.len(), 2);
        assert!(outcomes.iter().all(|(_, o)| *o == Outcome::Cancelled));
    }
}
