//! Human-readable reports: `summary.md`, the `report.html` dashboard, the
//! evaluation page and the per-article CSV table.

pub mod build;
pub mod csv;
pub mod eval_html;
pub mod html;
pub mod summary;
