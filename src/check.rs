//! `xalantis-bot check`: configuration, Xalantis and Discord access, invite URL.
//!
//! STUB: the console helper implements this module.

use std::collections::HashMap;

/// Runs every check against the variables `vars`, writing pass/fail lines to `output`.
/// Returns whether everything passed.
pub async fn run(vars: &HashMap<String, String>, output: &mut (dyn std::io::Write + Send)) -> bool {
    let _ = (vars, output);
    false
}
