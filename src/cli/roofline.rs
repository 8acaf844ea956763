//! `weightinit roofline`: each benchmark against its machine's measured roofs.
use super::CliError;
use super::args::{Format, RooflineArgs};
use super::table::{printable, table};
use std::fmt::Write;
use weightinit::results::{self, roofline::Roofline};

pub fn run(a: RooflineArgs) -> Result<u8, CliError> {
    if let Some(dir) = &a.plot {
        super::check_plot_dir(dir)?;
    }
    let mut all = Vec::new();
    for p in &a.files {
        let f = results::load(p).map_err(CliError::usage)?;
        let r = results::roofline::roofline(&f).ok_or_else(|| {
            CliError::usage(format!(
                "`{}` has no `peak/fma_f32/1` and `peak/fma_f32/par`: no compute roof to draw against",
                p.display()
            ))
        })?;
        all.push(r);
    }
    match a.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&all)
                .map_err(|e| CliError::usage(format!("cannot encode JSON: {e}")))?
        ),
        f => {
            for r in &all {
                print!("{}", printable(&render(r, f == Format::Markdown)));
            }
        }
    }
    if let Some(dir) = &a.plot {
        for r in &all {
            let path = dir.join(format!("roofline_{}.svg", r.machine_id));
            super::plot::roofline_chart(r, &path).map_err(CliError::usage)?;
            if a.format != Format::Json {
                println!("wrote {}", path.display());
            }
        }
    }
    Ok(0)
}

/// The roofs, then per benchmark its intensity, speed, bound and share of it.
pub(super) fn render(r: &Roofline, md: bool) -> String {
    let mut s = String::new();
    let h = if md { "### " } else { "" };
    let _ = writeln!(s, "{h}roofline of {}\n", r.machine_id);
    let head = ["roof", "value", "measured by"].map(String::from);
    let body: Vec<Vec<String>> = r
        .roofs
        .iter()
        .map(|x| {
            vec![
                x.name.clone(),
                format!(
                    "{:.1} {}",
                    x.value,
                    if x.bandwidth { "GB/s" } else { "GFLOP/s" }
                ),
                x.from.clone(),
            ]
        })
        .collect();
    s += &table(md, &head, &body);
    if !r.missing.is_empty() {
        let _ = writeln!(
            s,
            "no bandwidth roof at: {} (an older file; the suite measures them now)",
            r.missing.join(", ")
        );
    }
    let _ = writeln!(s);
    let head = ["benchmark", "FLOP/byte", "GFLOP/s", "bound", "of bound"].map(String::from);
    let body: Vec<Vec<String>> = r
        .points
        .iter()
        .map(|p| {
            vec![
                p.id.clone(),
                format!("{:.3}", p.intensity),
                format!("{:.2}", p.gflops),
                p.bound.clone(),
                format!("{:.0}%", 100.0 * p.share),
            ]
        })
        .collect();
    s += &table(md, &head, &body);
    s
}
