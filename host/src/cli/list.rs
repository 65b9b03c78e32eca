//! `mend list`: the models mend knows, and whether each can run here.

use clap::Args;
use mend_models::catalogue::{CATALOGUE, CatalogueEntry};

use crate::Result;

/// Flags of `mend list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// The state of one model in this build.
fn state_of(entry: &CatalogueEntry) -> &'static str {
    match (entry.implemented, entry.needs_download) {
        (true, false) => "available",
        (true, true) => "needs download",
        (false, _) => "not in this build",
    }
}

/// Prints the catalogue.
pub fn run(args: &ListArgs) -> Result<()> {
    if args.json {
        let rows: Vec<_> = CATALOGUE
            .iter()
            .map(|e| {
                serde_json::json!({
                    "name": e.name,
                    "state": state_of(e),
                    "device": "cpu",
                    "description": e.description,
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(rows));
        return Ok(());
    }
    println!(
        "{:<12} {:<18} {:<6} DESCRIPTION",
        "MODEL", "STATE", "DEVICE"
    );
    for e in CATALOGUE {
        println!(
            "{:<12} {:<18} {:<6} {}",
            e.name,
            state_of(e),
            "cpu",
            e.description
        );
    }
    Ok(())
}
