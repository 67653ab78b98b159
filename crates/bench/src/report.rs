//! Collects one line per budget and prints them as a table.

#[derive(Default)]
pub struct Report {
    rows: Vec<Row>,
}

struct Row {
    budget: String,
    measured: String,
    ok: bool,
}

impl Report {
    pub fn add(&mut self, budget: impl Into<String>, measured: impl Into<String>, ok: bool) {
        let row = Row {
            budget: budget.into(),
            measured: measured.into(),
            ok,
        };
        println!("  {} {}: {}", mark(row.ok), row.budget, row.measured);
        self.rows.push(row);
    }

    pub fn print(&self) {
        println!("\nbudget summary");
        for row in &self.rows {
            println!("  {} {:<52} {}", mark(row.ok), row.budget, row.measured);
        }
        let missed = self.rows.iter().filter(|r| !r.ok).count();
        println!(
            "{} within budget, {} over budget",
            self.rows.len() - missed,
            missed
        );
    }
}

fn mark(ok: bool) -> &'static str {
    if ok {
        "ok  "
    } else {
        "OVER"
    }
}

/// The `q`-quantile of `samples` (sorted in place).
pub fn quantile(samples: &mut [f64], q: f64) -> f64 {
    samples.sort_by(|a, b| a.total_cmp(b));
    let idx = ((samples.len() as f64 - 1.0) * q).round() as usize;
    samples.get(idx).copied().unwrap_or(0.0)
}
