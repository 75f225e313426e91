//! Writing `--output` files: the target is checked before the work starts, and a write cut
//! short by Ctrl-C or SIGTERM leaves no temporary file behind.

use std::path::Path;

use crate::exit::Outcome;

/// Checks `--output` before a command spends time on its work, and arranges that SIGINT,
/// SIGTERM and SIGHUP remove the temporary file of a write in progress before the process ends
/// (exit code 130, as a shell reports Ctrl-C).
pub fn prepare(path: &Path) -> Result<(), Outcome> {
    trailgraph_model::write::check_output_path(path)
        .map_err(|e| Outcome::usage(format!("--output {}: {e}", path.display())))?;
    // Fails only when a handler is already set, which the writing commands never do.
    let _ = ctrlc::set_handler(|| {
        trailgraph_model::write::remove_temporary_files();
        std::process::exit(130);
    });
    Ok(())
}
