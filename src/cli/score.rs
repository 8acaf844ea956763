//! `weightinit score`: machines against a reference machine, per area, with 95% intervals.
use super::CliError;
use super::args::{Format, ScoreArgs};
use super::compare::suite_note;
use super::plot::{self, Bar};
use super::table::{printable, table};
use std::fmt::Write;
use weightinit::results::score::{self, Score, Scores};
use weightinit::results::{self, compare::SINGLE_RUN_ALLOWANCE_PCT};

pub fn run(a: ScoreArgs) -> Result<u8, CliError> {
    let load = |p: &std::path::PathBuf| {
        results::load(p)
            .map(|f| (p.clone(), f))
            .map_err(CliError::usage)
    };
    let files = a.files.iter().map(load).collect::<Result<Vec<_>, _>>()?;
    let reference = match &a.reference {
        Some(p) => load(p)?,
        None => files[0].clone(),
    };
    if let Some(p) = &a.plot {
        let mut inputs: Vec<&std::path::Path> = a.files.iter().map(|p| p.as_path()).collect();
        inputs.extend(a.reference.as_deref());
        weightinit::whole_file::check_not_input(p, &inputs)
            .and_then(|_| weightinit::whole_file::check_target(p).map(|_| ()))
            .map_err(|e| CliError::usage(format!("--plot `{}`: {e}", p.display())))?;
    }
    let scores = score::score(&reference, &files, a.strict).map_err(CliError::usage)?;
    let text = match a.format {
        Format::Json => {
            serde_json::to_string_pretty(&scores)
                .map_err(|e| CliError::usage(format!("cannot encode JSON: {e}")))?
                + "\n"
        }
        f => printable(&render(&scores, f == Format::Markdown)),
    };
    print!("{text}");
    if let Some(p) = &a.plot {
        chart(&scores, p).map_err(CliError::usage)?;
    }
    Ok(0)
}

/// `1.23 (1.10–1.37)`, or `1.00 (reference)`.
fn cell(s: &Score, reference: bool) -> String {
    if reference {
        format!("{:.2} (reference)", s.score)
    } else {
        format!("{:.2} ({:.2}–{:.2})", s.score, s.lower, s.upper)
    }
}

/// The areas any machine was scored on, in order.
fn areas(s: &Scores) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for m in &s.machines {
        for a in &m.areas {
            if !v.contains(&a.area) {
                v.push(a.area.clone());
            }
        }
    }
    v
}

pub(super) fn render(s: &Scores, md: bool) -> String {
    let mut out = String::new();
    let h = if md { "### " } else { "" };
    let _ = writeln!(
        out,
        "{h}scores against {} ({}): speed ratio, 95% interval\n",
        s.reference_machine, s.reference
    );
    let areas = areas(s);
    let mut head = vec!["machine".to_string(), "runs".to_string()];
    head.extend(areas.iter().cloned());
    head.push("overall".into());
    let body: Vec<Vec<String>> = s
        .machines
        .iter()
        .map(|m| {
            let mut row = vec![m.machine_id.clone(), m.runs.to_string()];
            for a in &areas {
                row.push(match m.areas.iter().find(|x| &x.area == a) {
                    Some(x) => cell(&x.score, m.reference),
                    None => "—".into(),
                });
            }
            row.push(cell(&m.overall, m.reference));
            row
        })
        .collect();
    out += &table(md, &head, &body);
    let benchmarks: Vec<String> = s
        .machines
        .iter()
        .filter(|m| !m.reference)
        .map(|m| {
            let per: Vec<String> = m
                .areas
                .iter()
                .map(|a| format!("{} {}", a.area, a.score.benchmarks))
                .collect();
            format!("{}: {}", m.machine_id, per.join(", "))
        })
        .collect();
    if !benchmarks.is_empty() {
        let _ = writeln!(out, "\nbenchmarks per area: {}", benchmarks.join("; "));
    }
    let _ = writeln!(out, "({})", s.method);
    if s.machines.iter().any(|m| m.runs < 2 && !m.reference) {
        let _ = writeln!(
            out,
            "a single-run file has no measured spread: its intervals use the {SINGLE_RUN_ALLOWANCE_PCT}% \
             between-run allowance (merge runs with `report --baseline A --baseline B`)"
        );
    }
    // What the suite versions left out, per machine; each unversioned file once.
    let mut seen: Vec<&str> = Vec::new();
    for m in &s.machines {
        let mut check = m.suite.clone();
        check
            .unversioned
            .retain(|(f, _)| !seen.contains(&f.as_str()));
        seen.extend(m.suite.unversioned.iter().map(|(f, _)| f.as_str()));
        let note = suite_note(&check);
        if !note.is_empty() {
            let _ = write!(out, "{note}");
        }
    }
    out
}

fn chart(s: &Scores, path: &std::path::Path) -> Result<(), String> {
    let mut groups = areas(s);
    groups.push("overall".into());
    let machines: Vec<String> = s.machines.iter().map(|m| m.machine_id.clone()).collect();
    let bar = |x: &Score, reference: bool| Bar {
        value: x.score,
        interval: (!reference).then_some((x.lower, x.upper)),
    };
    let values: Vec<Vec<Bar>> = groups
        .iter()
        .map(|g| {
            s.machines
                .iter()
                .map(|m| {
                    let sc = if g == "overall" {
                        Some(&m.overall)
                    } else {
                        m.areas.iter().find(|a| &a.area == g).map(|a| &a.score)
                    };
                    sc.map_or(
                        Bar {
                            value: 0.0,
                            interval: None,
                        },
                        |x| bar(x, m.reference),
                    )
                })
                .collect()
        })
        .collect();
    let title = format!("score against {} (95% intervals)", s.reference_machine);
    plot::grouped_chart(&title, &groups, &machines, &values, path)
}
