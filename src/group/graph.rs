//! Graphs for the task `graph-distance`: named families and edge-list files (`task.graph`).
//!
//! | `task.graph` | graph | vertex names |
//! |---|---|---|
//! | `cycle:N` | the cycle C_N (N ≥ 3) | `0..N−1` around the cycle |
//! | `path:N` | the path P_N (N ≥ 2) | `0..N−1` along the path |
//! | `grid:RxC` | the R × C grid | `(r,c)` |
//! | `hypercube:K` | the K-cube Q_K (1 ≤ K ≤ 12) | bit strings `010` |
//! | `bipartite:MxN` | the complete bipartite K_{M,N} | `L0..`, `R0..` |
//! | `petersen` | the Petersen graph | `0..4` outer 5-cycle, `5..9` inner pentagram |
//! | `file:PATH` | an edge list: one edge `u v` per line (spaces or a comma; `#` comments) | the tokens, in order of first appearance |
//!
//! The graph must be connected; the labels are the distances 0..diameter.

use super::task::{Task, TaskSpec, MAX_SYMBOLS};
use crate::error::{Error, Result};
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;

/// The accepted forms of `task.graph`, for error messages.
pub const GRAPH_FORMS: &str = "cycle:N (N ≥ 3), path:N (N ≥ 2), grid:RxC, hypercube:K \
(1 ≤ K ≤ 12), bipartite:MxN, petersen, or file:PATH (an edge list, one `u v` per line)";

/// An undirected simple graph with named vertices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Graph {
    /// Vertex names, indexed by vertex.
    pub vertex_names: Vec<String>,
    /// Sorted neighbour lists.
    pub adjacency: Vec<Vec<usize>>,
}

impl Graph {
    fn with_vertices(names: Vec<String>) -> Self {
        let n = names.len();
        Graph {
            vertex_names: names,
            adjacency: vec![Vec::new(); n],
        }
    }

    fn add_edge(&mut self, u: usize, v: usize) {
        if u != v {
            self.adjacency[u].push(v);
            self.adjacency[v].push(u);
        }
    }

    /// Number of vertices.
    pub fn n_vertices(&self) -> usize {
        self.vertex_names.len()
    }

    /// Whether `{u, v}` is an edge.
    pub fn has_edge(&self, u: usize, v: usize) -> bool {
        self.adjacency[u].binary_search(&v).is_ok()
    }

    /// All-pairs distances (`d[u * n + v]`) by breadth-first search; `None` if disconnected.
    pub fn distances(&self) -> Option<Vec<u32>> {
        let n = self.n_vertices();
        let mut d = vec![u32::MAX; n * n];
        let mut queue = VecDeque::new();
        for s in 0..n {
            let row = &mut d[s * n..(s + 1) * n];
            row[s] = 0;
            queue.push_back(s);
            while let Some(u) = queue.pop_front() {
                for &v in &self.adjacency[u] {
                    if row[v] == u32::MAX {
                        row[v] = row[u] + 1;
                        queue.push_back(v);
                    }
                }
            }
            if row.contains(&u32::MAX) {
                return None;
            }
        }
        Some(d)
    }
}

/// Parses `task.graph` (see the module docs) into a graph.
pub fn parse_graph(text: &str) -> Result<Graph> {
    let text = text.trim();
    let bad = |why: String| {
        Error::param(
            "task.graph",
            text,
            if why.is_empty() {
                GRAPH_FORMS.to_string()
            } else {
                format!("{why}; {GRAPH_FORMS}")
            },
        )
    };
    if let Some(path) = text.strip_prefix("file:") {
        return read_edge_list(&PathBuf::from(path));
    }
    let (kind, arg) = text.split_once(':').unwrap_or((text, ""));
    let num = |s: &str| s.trim().parse::<usize>().ok();
    let two = |s: &str| -> Option<(usize, usize)> {
        let (a, b) = s.split_once(['x', 'X'])?;
        Some((num(a)?, num(b)?))
    };
    let too_big = |n: usize| n > MAX_SYMBOLS as usize;
    let graph = match kind {
        "cycle" => {
            let n = num(arg).filter(|&n| n >= 3 && !too_big(n));
            let n = n.ok_or_else(|| bad(format!("cycle:N with 3 ≤ N ≤ {MAX_SYMBOLS}")))?;
            let mut g = Graph::with_vertices((0..n).map(|v| v.to_string()).collect());
            for v in 0..n {
                g.add_edge(v, (v + 1) % n);
            }
            g
        }
        "path" => {
            let n = num(arg).filter(|&n| n >= 2 && !too_big(n));
            let n = n.ok_or_else(|| bad(format!("path:N with 2 ≤ N ≤ {MAX_SYMBOLS}")))?;
            let mut g = Graph::with_vertices((0..n).map(|v| v.to_string()).collect());
            for v in 1..n {
                g.add_edge(v - 1, v);
            }
            g
        }
        "grid" => {
            let (r, c) = two(arg)
                .filter(|&(r, c)| r >= 1 && c >= 1 && r * c >= 2 && !too_big(r * c))
                .ok_or_else(|| bad(format!("grid:RxC with 2 ≤ R·C ≤ {MAX_SYMBOLS}")))?;
            let names = (0..r * c)
                .map(|v| format!("({},{})", v / c, v % c))
                .collect();
            let mut g = Graph::with_vertices(names);
            for v in 0..r * c {
                if v % c + 1 < c {
                    g.add_edge(v, v + 1);
                }
                if v / c + 1 < r {
                    g.add_edge(v, v + c);
                }
            }
            g
        }
        "hypercube" => {
            let k = num(arg)
                .filter(|&k| (1..=12).contains(&k))
                .ok_or_else(|| bad("hypercube:K with 1 ≤ K ≤ 12".into()))?;
            let n = 1usize << k;
            let names = (0..n).map(|v| format!("{v:0k$b}")).collect();
            let mut g = Graph::with_vertices(names);
            for v in 0..n {
                for bit in 0..k {
                    g.add_edge(v, v ^ (1 << bit));
                }
            }
            g
        }
        "bipartite" => {
            let (m, n) = two(arg)
                .filter(|&(m, n)| m >= 1 && n >= 1 && !too_big(m + n))
                .ok_or_else(|| {
                    bad(format!(
                        "bipartite:MxN with M, N ≥ 1, M + N ≤ {MAX_SYMBOLS}"
                    ))
                })?;
            let names = (0..m)
                .map(|v| format!("L{v}"))
                .chain((0..n).map(|v| format!("R{v}")))
                .collect();
            let mut g = Graph::with_vertices(names);
            for u in 0..m {
                for v in 0..n {
                    g.add_edge(u, m + v);
                }
            }
            g
        }
        "petersen" if arg.is_empty() => {
            let mut g = Graph::with_vertices((0..10).map(|v| v.to_string()).collect());
            for v in 0..5 {
                g.add_edge(v, (v + 1) % 5);
                g.add_edge(v, v + 5);
                g.add_edge(5 + v, 5 + (v + 2) % 5);
            }
            g
        }
        _ => return Err(bad(String::new())),
    };
    Ok(sorted(graph))
}

fn sorted(mut g: Graph) -> Graph {
    for list in &mut g.adjacency {
        list.sort_unstable();
        list.dedup();
    }
    g
}

/// Reads an edge list: one edge `u v` per line (whitespace or a comma between), `#` starts a
/// comment, vertices are the tokens in order of first appearance.
pub fn read_edge_list(path: &PathBuf) -> Result<Graph> {
    let bad = |reason: String| Error::InvalidInput {
        path: path.clone(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read it: {e}")))?;
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut names = Vec::new();
    let mut edges = Vec::new();
    for (line_no, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let tokens: Vec<&str> = line
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|t| !t.is_empty())
            .collect();
        if tokens.len() != 2 {
            return Err(bad(format!(
                "line {}: expected one edge `u v`, found {} fields",
                line_no + 1,
                tokens.len()
            )));
        }
        let mut id = |t: &str| {
            *index.entry(t.to_string()).or_insert_with(|| {
                names.push(t.to_string());
                names.len() - 1
            })
        };
        let (u, v) = (id(tokens[0]), id(tokens[1]));
        edges.push((u, v));
    }
    if names.len() < 2 {
        return Err(bad(
            "an edge list with at least one edge between two vertices".into(),
        ));
    }
    if names.len() > MAX_SYMBOLS as usize {
        return Err(bad(format!(
            "{} vertices; at most {MAX_SYMBOLS}",
            names.len()
        )));
    }
    let mut g = Graph::with_vertices(names);
    for (u, v) in edges {
        g.add_edge(u, v);
    }
    Ok(sorted(g))
}

/// The task `graph-distance` on `spec.graph`.
pub(crate) fn distance_task(spec: &TaskSpec) -> Result<Task> {
    let text = spec.graph.as_deref().ok_or_else(|| {
        Error::param(
            "task.graph",
            "(none)",
            format!("a graph for task graph-distance: {GRAPH_FORMS}"),
        )
    })?;
    let graph = parse_graph(text)?;
    let d = graph.distances().ok_or_else(|| {
        Error::param(
            "task.graph",
            text,
            "a connected graph (this one is disconnected, so some distances are undefined)",
        )
    })?;
    let classes = d.iter().copied().max().unwrap_or(0) as usize + 1;
    Ok(Task::from_parts(
        spec.clone(),
        classes,
        d,
        graph.vertex_names,
        None,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::Operation;

    fn task(graph: &str) -> Result<Task> {
        let mut s = TaskSpec::new(Operation::GraphDistance, 0);
        s.graph = Some(graph.to_string());
        Task::new(s)
    }

    #[test]
    fn distances_match_closed_forms() {
        let c = task("cycle:12").unwrap();
        assert_eq!((c.n_symbols(), c.n_classes()), (12, 7));
        for a in 0..12usize {
            for b in 0..12usize {
                let d = a.abs_diff(b);
                assert_eq!(c.label(a, b), d.min(12 - d));
            }
        }
        let p = task("path:6").unwrap();
        assert_eq!(p.label(0, 5), 5);
        let g = task("grid:3x4").unwrap();
        assert_eq!(g.n_symbols(), 12);
        for a in 0..12usize {
            for b in 0..12usize {
                assert_eq!(
                    g.label(a, b),
                    (a / 4).abs_diff(b / 4) + (a % 4).abs_diff(b % 4)
                );
            }
        }
        let h = task("hypercube:4").unwrap();
        for a in 0..16usize {
            for b in 0..16usize {
                assert_eq!(h.label(a, b), (a ^ b).count_ones() as usize);
            }
        }
        assert_eq!(h.symbol_name(5), "0101");
        let k = task("bipartite:2x3").unwrap();
        assert_eq!((k.label(0, 1), k.label(0, 2), k.label(0, 0)), (2, 1, 0));
        let pet = task("petersen").unwrap();
        // the Petersen graph: 3-regular, diameter 2, girth 5
        assert_eq!(pet.n_classes(), 3);
        for a in 0..10 {
            assert_eq!((0..10).filter(|&b| pet.label(a, b) == 1).count(), 3);
        }
    }

    #[test]
    fn edge_list_files_and_their_errors() {
        let dir = std::env::temp_dir().join(format!("symrfm-graph-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ok = dir.join("square.txt");
        std::fs::write(&ok, "# a square\na b\nb,c\nc d\nd a\n").unwrap();
        let t = task(&format!("file:{}", ok.display())).unwrap();
        assert_eq!(
            (t.n_symbols(), t.label(0, 2), t.symbol_name(3)),
            (4, 2, "d")
        );
        let disconnected = dir.join("two.txt");
        std::fs::write(&disconnected, "a b\nc d\n").unwrap();
        let e = task(&format!("file:{}", disconnected.display())).unwrap_err();
        assert!(e.to_string().contains("disconnected"), "{e}");
        let ragged = dir.join("ragged.txt");
        std::fs::write(&ragged, "a b c\n").unwrap();
        let e = task(&format!("file:{}", ragged.display())).unwrap_err();
        assert!(e.to_string().contains("ragged.txt") && e.is_usage(), "{e}");
        let e = task(&format!("file:{}", dir.join("missing").display())).unwrap_err();
        assert!(e.to_string().contains("missing") && e.is_usage(), "{e}");
        for bad in [
            "cycle:2",
            "grid:0x3",
            "hypercube:13",
            "star:5",
            "petersen:3",
            "path",
        ] {
            let e = task(bad).unwrap_err();
            assert!(
                e.to_string().contains("task.graph") && e.to_string().contains(bad),
                "{e}"
            );
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
