//! Budget 10, bundle size: the `.deb` and `.AppImage` that `./dev.sh bundle` leaves under the
//! target dir's `release/bundle/` (or `--bundle-dir DIR`), if they were built.

use std::path::Path;

use crate::report::{Report, Row, Status};

pub const MEASURE: &str = "Bundle size of .deb / .AppImage";
pub const BUDGET: &str = "≤ 15 MB";
/// Decimal megabytes, as `./dev.sh bundle` prints them.
const LIMIT: f64 = 15e6;

/// Files in `dir` whose name ends with `ext`, with their sizes.
fn bundles(dir: &Path, ext: &str) -> Vec<(String, u64)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(ext))
        .filter_map(|e| {
            Some((
                e.file_name().to_string_lossy().into_owned(),
                e.metadata().ok()?.len(),
            ))
        })
        .collect()
}

pub fn run(root: &Path, report: &mut Report) {
    let debs = bundles(&root.join("deb"), ".deb");
    let appimages = bundles(&root.join("appimage"), ".AppImage");
    let missing: Vec<&str> = [
        (".deb", debs.is_empty()),
        (".AppImage", appimages.is_empty()),
    ]
    .into_iter()
    .filter_map(|(kind, none)| none.then_some(kind))
    .collect();
    let found: Vec<(String, u64)> = debs.into_iter().chain(appimages).collect();
    if found.is_empty() {
        report.add(Row {
            number: 10,
            measure: MEASURE.into(),
            baseline: "—".into(),
            measured: format!("not built (no .deb or .AppImage under {})", root.display()),
            ratio: None,
            budget: BUDGET.into(),
            status: Status::NotMeasured,
        });
        return;
    }
    let largest = found.iter().map(|(_, size)| *size).max().unwrap_or(0) as f64;
    let mut sizes: Vec<String> = found
        .iter()
        .map(|(name, size)| format!("{name} {size} B = {:.1} MB", *size as f64 / 1e6))
        .collect();
    sizes.extend(missing.iter().map(|kind| format!("no {kind} built")));
    report.add(Row {
        number: 10,
        measure: MEASURE.into(),
        baseline: "15 MB".into(),
        measured: sizes.join(", "),
        ratio: Some(largest / LIMIT),
        budget: BUDGET.into(),
        status: Status::within(largest <= LIMIT),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_sizes_of_what_was_built_and_names_what_was_not() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("deb")).unwrap();
        std::fs::write(
            dir.path().join("deb/app_0.1.0_amd64.deb"),
            vec![0u8; 1_000_000],
        )
        .unwrap();
        let mut report = Report::default();
        run(dir.path(), &mut report);
        let md = report.markdown("");
        assert!(
            md.contains("app_0.1.0_amd64.deb 1000000 B = 1.0 MB, no .AppImage built"),
            "{md}"
        );
        assert!(md.contains("| ok |"), "{md}");

        let mut report = Report::default();
        run(&dir.path().join("nothing"), &mut report);
        assert!(report.markdown("").contains("not built"));
    }
}
