//! `weightinit export`: a results file in a benchmark tracker's format.
use super::CliError;
use super::args::{ExportArgs, ExportFormat};
use weightinit::results;

pub fn run(a: ExportArgs) -> Result<u8, CliError> {
    use weightinit::results::export::{Export, critcmp, export};
    if let Some(out) = &a.out {
        weightinit::whole_file::check_not_input(out, &[&a.file])
            .and_then(|_| weightinit::whole_file::check_target(out).map(|_| ()))
            .map_err(|e| CliError::usage(format!("--out `{}`: {e}", out.display())))?;
    }
    if a.name.is_some() && a.format != ExportFormat::Critcmp {
        return Err(CliError::usage(
            "--name sets critcmp's column; it goes with --format critcmp",
        ));
    }
    let file = results::load(&a.file).map_err(CliError::usage)?;
    let format = match a.format {
        ExportFormat::Bmf => Export::Bmf,
        ExportFormat::Gab => Export::Gab,
        ExportFormat::GabThroughput => Export::GabThroughput,
        ExportFormat::Critcmp => Export::Critcmp,
    };
    let doc = match &a.name {
        Some(name) => critcmp(&file, name),
        None => export(&file, format),
    };
    let text = serde_json::to_string_pretty(&doc)
        .map_err(|e| CliError::usage(format!("cannot encode JSON: {e}")))?
        + "\n";
    match &a.out {
        Some(out) => results::write_whole(out, text.as_bytes()).map_err(CliError::usage)?,
        None => print!("{text}"),
    }
    Ok(0)
}
