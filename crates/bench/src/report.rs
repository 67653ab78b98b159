//! One row per budget of DESIGN.md "Performance budgets": printed as a table, written as JSON
//! and as the results section of docs/BENCHMARKS.md.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use serde_json::json;

#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Ok,
    Over,
    /// The phase hit its time bound; the row says how far it got.
    OverTime,
    /// Not measured by this harness (yet); the reason is in `measured`.
    NotMeasured,
    /// The phase failed; the error is in `measured`.
    Failed,
}

impl Status {
    fn word(&self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Over => "OVER",
            Status::OverTime => "over time",
            Status::NotMeasured => "not measured yet",
            Status::Failed => "FAILED",
        }
    }

    pub fn within(ok: bool) -> Status {
        if ok {
            Status::Ok
        } else {
            Status::Over
        }
    }
}

#[derive(Debug, Clone)]
pub struct Row {
    /// The budget's number in issue 12's list.
    pub number: u8,
    pub measure: String,
    pub baseline: String,
    pub measured: String,
    /// The measure divided by its baseline (or the absolute value where the budget is one).
    pub ratio: Option<f64>,
    pub budget: String,
    pub status: Status,
}

#[derive(Default)]
pub struct Report {
    rows: Vec<Row>,
}

impl Report {
    pub fn add(&mut self, row: Row) {
        println!(
            "  => {} {}: {} (baseline: {}) [{}]",
            row.number,
            row.measure,
            row.measured,
            row.baseline,
            row.status.word()
        );
        self.rows.push(row);
    }

    pub fn not_measured(&mut self, number: u8, measure: &str, budget: &str, why: &str) {
        self.add(Row {
            number,
            measure: measure.into(),
            baseline: "—".into(),
            measured: why.into(),
            ratio: None,
            budget: budget.into(),
            status: Status::NotMeasured,
        });
    }

    pub fn failed(&mut self, number: u8, measure: &str, budget: &str, error: &anyhow::Error) {
        self.add(Row {
            number,
            measure: measure.into(),
            baseline: "—".into(),
            measured: format!("failed: {error:#}"),
            ratio: None,
            budget: budget.into(),
            status: Status::Failed,
        });
    }

    fn sorted(&self) -> Vec<&Row> {
        let mut rows: Vec<&Row> = self.rows.iter().collect();
        rows.sort_by_key(|r| r.number);
        rows
    }

    pub fn print(&self) {
        println!("\nbudget summary");
        for row in self.sorted() {
            println!(
                "  {:>2} {:<10} {:<44} {:>8} (budget {}) {}",
                row.number,
                row.status.word(),
                row.measure,
                row.ratio.map_or("—".into(), |r| format!("{r:.3}")),
                row.budget,
                row.measured
            );
        }
        let count = |s: Status| self.rows.iter().filter(|r| r.status == s).count();
        println!(
            "{} ok, {} over budget, {} over time, {} failed, {} not measured",
            count(Status::Ok),
            count(Status::Over),
            count(Status::OverTime),
            count(Status::Failed),
            count(Status::NotMeasured)
        );
    }

    pub fn write_json(&self, path: &Path, run: &serde_json::Value) -> anyhow::Result<()> {
        let rows: Vec<serde_json::Value> = self
            .sorted()
            .into_iter()
            .map(|r| {
                json!({
                    "number": r.number,
                    "measure": r.measure,
                    "baseline": r.baseline,
                    "measured": r.measured,
                    "ratio": r.ratio,
                    "budget": r.budget,
                    "status": r.status.word(),
                })
            })
            .collect();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let doc = json!({ "run": run, "results": rows });
        std::fs::write(path, serde_json::to_string_pretty(&doc)? + "\n")
            .with_context(|| format!("writing {}", path.display()))
    }

    /// The markdown table of this run.
    pub fn markdown(&self, heading: &str) -> String {
        let mut out = format!("{heading}\n\n| # | measure | baseline (same run) | measured | ratio | budget | status |\n|---|---|---|---|---|---|---|\n");
        for r in self.sorted() {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                r.number,
                r.measure,
                r.baseline,
                r.measured,
                r.ratio.map_or("—".into(), |x| format!("{x:.3}")),
                r.budget,
                r.status.word()
            );
        }
        out
    }
}

/// Replaces the text between `<!-- bench:KEY -->` and `<!-- /bench:KEY -->` in `doc` (the
/// generated results); the rest of the file (method, history) is written by people.
pub fn rewrite_section(doc: &Path, key: &str, body: &str) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(doc).with_context(|| format!("reading {}", doc.display()))?;
    let (open, close) = (
        format!("<!-- bench:{key} -->"),
        format!("<!-- /bench:{key} -->"),
    );
    let start = text
        .find(&open)
        .with_context(|| format!("{} has no {open} marker", doc.display()))?
        + open.len();
    let end = text[start..]
        .find(&close)
        .with_context(|| format!("{} has no {close} marker", doc.display()))?
        + start;
    let rewritten = format!("{}\n{}\n{}", &text[..start], body.trim_end(), &text[end..]);
    std::fs::write(doc, rewritten).with_context(|| format!("writing {}", doc.display()))
}

/// The `q`-quantile of `samples` (sorted in place).
pub fn quantile(samples: &mut [f64], q: f64) -> f64 {
    samples.sort_by(|a, b| a.total_cmp(b));
    let idx = ((samples.len() as f64 - 1.0) * q).round() as usize;
    samples.get(idx).copied().unwrap_or(0.0)
}
