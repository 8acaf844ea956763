//! SVG figures with plotters (SVG backend, no system font or C library).
use plotters::prelude::*;
use std::path::{Path, PathBuf};
use weightinit::activation::Activation;
use weightinit::experiment::{Report, Run};
use weightinit::results::compare::Comparison;
use weightinit::train::{TrainRun, WINDOW};

/// Writes an SVG document whole ([`weightinit::results::write_whole`]).
fn write_svg(path: &Path, svg: &str) -> Result<(), String> {
    weightinit::results::write_whole(path, svg.as_bytes()).map_err(|e| e.to_string())
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// A file name from an init name (`normal:0.01` → `normal_0.01`).
fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes one histogram row per run and one gradient plot per activation; returns the files.
pub fn experiment_figures(r: &Report, dir: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    let mut files = Vec::new();
    for run in &r.runs {
        let p = dir.join(format!(
            "hist_{}_{}.svg",
            slug(&run.init),
            run.activation.name()
        ));
        histogram_row(run, &p).map_err(|e| format!("cannot write `{}`: {e}", p.display()))?;
        files.push(p);
    }
    for act in Activation::ALL {
        let runs: Vec<&Run> = r.runs.iter().filter(|x| x.activation == act).collect();
        if runs.is_empty() {
            continue;
        }
        let p = dir.join(format!("grad_{}.svg", act.name()));
        gradient_plot(act, &runs, &p)
            .map_err(|e| format!("cannot write `{}`: {e}", p.display()))?;
        files.push(p);
    }
    Ok(files)
}

/// The seed's figure: one histogram panel per layer, same axes, titled "init + activation".
fn histogram_row(run: &Run, path: &Path) -> Result<(), String> {
    let n = run.layers.len().max(1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (220 * n as u32, 260)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let root = root
            .titled(
                &format!("{} + {}", run.init, run.activation.name()),
                ("sans-serif", 18),
            )
            .map_err(err)?;
        let panels = root.split_evenly((1, n));
        let total = run
            .layers
            .first()
            .map(|l| {
                l.activations.histogram.counts.iter().sum::<u64>()
                    + l.activations.histogram.below
                    + l.activations.histogram.above
            })
            .unwrap_or(1)
            .max(1) as f64;
        let ymax = run
            .layers
            .iter()
            .flat_map(|l| l.activations.histogram.counts.iter())
            .copied()
            .max()
            .unwrap_or(1) as f64
            / total;
        for (panel, l) in panels.iter().zip(&run.layers) {
            let h = &l.activations.histogram;
            let bins = h.counts.len().max(1);
            let w = (h.hi - h.lo) / bins as f64;
            let mut chart = ChartBuilder::on(panel)
                .caption(format!("{}-layer", l.layer), ("sans-serif", 14))
                .margin(6)
                .x_label_area_size(22)
                .y_label_area_size(if l.layer == 1 { 40 } else { 8 })
                .build_cartesian_2d(h.lo..h.hi, 0f64..(ymax * 1.05).max(1e-9))
                .map_err(err)?;
            let mut mesh = chart.configure_mesh();
            mesh.disable_mesh().x_labels(3);
            if l.layer != 1 {
                mesh.y_labels(0);
            }
            mesh.draw().map_err(err)?;
            chart
                .draw_series(h.counts.iter().enumerate().map(|(i, &c)| {
                    let x0 = h.lo + i as f64 * w;
                    Rectangle::new(
                        [(x0, 0.0), (x0 + w * 0.95, c as f64 / total)],
                        BLUE.mix(0.7).filled(),
                    )
                }))
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    write_svg(path, &svg)
}

/// Weight-gradient RMS per layer (log scale), one line per init.
fn gradient_plot(act: Activation, runs: &[&Run], path: &Path) -> Result<(), String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let layers = runs.iter().map(|r| r.layers.len()).max().unwrap_or(1);
        let vals: Vec<f64> = runs
            .iter()
            .flat_map(|r| r.layers.iter().map(|l| l.weight_grad_rms))
            .filter(|v| *v > 0.0 && v.is_finite())
            .collect();
        let lo = vals.iter().copied().fold(f64::INFINITY, f64::min).min(1.0) / 2.0;
        let hi = vals.iter().copied().fold(0.0, f64::max).max(lo * 10.0) * 2.0;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("weight-gradient RMS per layer, {}", act.name()),
                ("sans-serif", 18),
            )
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(60)
            .build_cartesian_2d(0.5f64..(layers as f64 + 0.5), (lo..hi).log_scale())
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("layer")
            .y_desc("RMS of dL/dW")
            .x_labels(layers)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0e}"))
            .draw()
            .map_err(err)?;
        let series = runs.iter().map(|run| {
            let points = run.layers.iter();
            let points = points.map(|l| (l.layer as f64, l.weight_grad_rms.max(lo)));
            (run.init.clone(), points.collect())
        });
        labelled_lines(&mut chart, series)?;
        root.present().map_err(err)?;
    }
    write_svg(path, &svg)
}

/// One line per `(label, points)`, coloured in turn, and their legend.
fn labelled_lines<'a, X, Y>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, Cartesian2d<X, Y>>,
    series: impl Iterator<Item = (String, Vec<(f64, f64)>)>,
) -> Result<(), String>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    for (i, (label, points)) in series.enumerate() {
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(err)?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(err)
}

/// A bar chart: change % per benchmark (regression) or throughput per benchmark and machine.
pub fn compare_chart(c: &Comparison, path: &Path) -> Result<(), String> {
    if let Comparison::Machines {
        labels, summary, ..
    } = c
    {
        let groups: Vec<String> = summary.iter().map(|a| a.area.clone()).collect();
        let values: Vec<Vec<Bar>> = summary
            .iter()
            .map(|a| {
                a.speed_vs_first
                    .iter()
                    .map(|&v| Bar {
                        value: v,
                        interval: None,
                    })
                    .collect()
            })
            .collect();
        let title = format!(
            "speed relative to {}, geometric mean per area",
            labels.first().map_or("", |l| l.as_str())
        );
        return grouped_chart(&title, &groups, labels, &values, path);
    }
    let wrap = |e: String| format!("cannot write `{}`: {e}", path.display());
    let bars: Vec<(String, Vec<f64>)> = match c {
        Comparison::Regression { rows, .. } => rows
            .iter()
            .map(|r| (r.id.clone(), vec![r.change_pct]))
            .collect(),
        Comparison::Machines { summary, .. } => summary
            .iter()
            .map(|a| (a.area.clone(), a.speed_vs_first.clone()))
            .collect(),
    };
    if bars.is_empty() {
        return Err(wrap("nothing to plot".into()));
    }
    // A plot axis must be finite: plotters' tick search never ends on an
    // infinite or NaN range. Loaded times are checked, so this holds; the
    // check keeps a later bug from hanging the tool.
    if let Some((name, v)) = bars
        .iter()
        .flat_map(|(n, vs)| vs.iter().map(move |v| (n, *v)))
        .find(|(_, v)| !v.is_finite() || v.abs() > 1e12)
    {
        return Err(wrap(format!(
            "`{}` has the value {v}, which no axis can show",
            super::table::printable(name)
        )));
    }
    let series = bars[0].1.len();
    let h = 60 + 22 * bars.len() as u32 * series as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, h.max(200))).into_drawing_area();
        root.fill(&WHITE).map_err(|e| wrap(err(e)))?;
        let (lo, hi) = bars
            .iter()
            .flat_map(|b| b.1.iter())
            .fold((0f64, 0f64), |(a, b), &v| (a.min(v), b.max(v)));
        let title = if matches!(c, Comparison::Regression { .. }) {
            "time change % (positive = slower)"
        } else {
            "speed relative to the first machine, geometric mean per area"
        };
        let n = (bars.len() * series) as f64;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(24)
            .y_label_area_size(300)
            .build_cartesian_2d((lo * 1.1 - 1e-9)..(hi * 1.1 + 1e-9), 0f64..n)
            .map_err(|e| wrap(err(e)))?;
        // One label per bar: the benchmark, or the area and the machine.
        let machines: Vec<String> = match c {
            Comparison::Machines { labels, .. } => labels.clone(),
            Comparison::Regression { .. } => Vec::new(),
        };
        let labels: Vec<String> = bars
            .iter()
            .flat_map(|b| {
                (0..series).map(|j| match machines.get(j) {
                    Some(m) => format!("{} · {m}", b.0),
                    None => b.0.clone(),
                })
            })
            .collect();
        chart
            .configure_mesh()
            .disable_mesh()
            .y_labels(bars.len() * series)
            .y_label_formatter(&|y| labels.get(*y as usize).cloned().unwrap_or_default())
            .draw()
            .map_err(|e| wrap(err(e)))?;
        for (i, (_, vals)) in bars.iter().enumerate() {
            for (j, &v) in vals.iter().enumerate() {
                let y = (i * series + j) as f64;
                let color = if series == 1 {
                    if v > 0.0 {
                        RED.to_rgba()
                    } else {
                        GREEN.to_rgba()
                    }
                } else {
                    Palette99::pick(j).to_rgba()
                };
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(0.0, y + 0.1), (v, y + 0.9)],
                        color.filled(),
                    )))
                    .map_err(|e| wrap(err(e)))?;
            }
        }
        root.present().map_err(|e| wrap(err(e)))?;
    }
    write_svg(path, &svg)
}

/// Saito's Figure 6-15: the smoothed training loss against steps, one line per init.
pub fn train_loss(runs: &[TrainRun], title: &str, path: &Path) -> Result<(), String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let steps = runs.iter().map(|r| r.loss.len()).max().unwrap_or(1);
        let curves: Vec<Vec<(f64, f64)>> = runs
            .iter()
            .map(|r| {
                (0..r.loss.len())
                    .filter_map(|t| Some(((t + 1) as f64, r.smoothed(t)?)))
                    .collect()
            })
            .collect();
        let top = curves
            .iter()
            .flatten()
            .map(|p| p.1)
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max)
            .max(0.1)
            * 1.05;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .build_cartesian_2d(0f64..steps as f64, 0f64..top)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("step")
            .y_desc(format!("loss (mean of the last {WINDOW} batches)"))
            .draw()
            .map_err(err)?;
        let series = runs.iter().zip(curves).map(|(run, curve)| {
            let finite = curve.into_iter().filter(|p| p.1.is_finite());
            (run.init.clone(), finite.collect())
        });
        labelled_lines(&mut chart, series)?;
        root.present().map_err(err)?;
    }
    std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))
        .map_err(|e| format!("cannot create the directory of `{}`: {e}", path.display()))?;
    write_svg(path, &svg).map_err(|e| format!("cannot write `{}`: {e}", path.display()))
}

/// One bar of a [`grouped_chart`]: a value and its interval, where known.
pub struct Bar {
    /// The bar's height.
    pub value: f64,
    /// The whisker, where there is one.
    pub interval: Option<(f64, f64)>,
}

/// Bars grouped by area, one colour per machine with a legend, whiskers for
/// the intervals, and a line at 1.00 (the reference).
pub fn grouped_chart(
    title: &str,
    groups: &[String],
    machines: &[String],
    values: &[Vec<Bar>],
    path: &Path,
) -> Result<(), String> {
    let wrap = |e: String| format!("cannot write `{}`: {e}", path.display());
    let top = values
        .iter()
        .flatten()
        .map(|b| b.interval.map_or(b.value, |i| i.1).max(b.value))
        .fold(1.0f64, f64::max);
    if !top.is_finite() || top > 1e12 || values.iter().flatten().any(|b| !b.value.is_finite()) {
        return Err(wrap("a value no axis can show".into()));
    }
    let (m, g) = (machines.len().max(1), groups.len().max(1));
    let width = (160 + g * (m * 36 + 40)).clamp(640, 1600) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, 460)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| wrap(err(e)))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(34)
            .y_label_area_size(48)
            .build_cartesian_2d(0f64..g as f64, 0f64..top * 1.3)
            .map_err(|e| wrap(err(e)))?;
        let names: Vec<String> = groups.to_vec();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(g * 2 + 1)
            .x_label_formatter(&|x| {
                // A label at each group's centre only.
                let c = x - x.floor();
                if (c - 0.5).abs() < 1e-6 {
                    names.get(x.floor() as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_desc("speed ratio (higher is faster)")
            .draw()
            .map_err(|e| wrap(err(e)))?;
        let slot = 0.8 / m as f64;
        for (j, machine) in machines.iter().enumerate() {
            let color = Palette99::pick(j).to_rgba();
            let rects: Vec<Rectangle<(f64, f64)>> = values
                .iter()
                .enumerate()
                .filter_map(|(i, bars)| bars.get(j).map(|b| (i, b)))
                .map(|(i, b)| {
                    let x0 = i as f64 + 0.1 + j as f64 * slot;
                    Rectangle::new([(x0, 0.0), (x0 + slot * 0.9, b.value)], color.filled())
                })
                .collect();
            chart
                .draw_series(rects)
                .map_err(|e| wrap(err(e)))?
                .label(machine.clone())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled())
                });
            for (i, bars) in values.iter().enumerate() {
                if let Some(Bar {
                    interval: Some((lo, hi)),
                    ..
                }) = bars.get(j)
                {
                    let xc = i as f64 + 0.1 + (j as f64 + 0.45) * slot;
                    let cap = slot * 0.2;
                    let lines = [
                        vec![(xc, *lo), (xc, *hi)],
                        vec![(xc - cap, *lo), (xc + cap, *lo)],
                        vec![(xc - cap, *hi), (xc + cap, *hi)],
                    ];
                    chart
                        .draw_series(
                            lines
                                .into_iter()
                                .map(|l| PathElement::new(l, BLACK.stroke_width(1))),
                        )
                        .map_err(|e| wrap(err(e)))?;
                }
            }
        }
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 1.0), (g as f64, 1.0)],
                BLACK.stroke_width(1),
            )))
            .map_err(|e| wrap(err(e)))?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(|e| wrap(err(e)))?;
        root.present().map_err(|e| wrap(err(e)))?;
    }
    write_svg(path, &svg)
}

/// The roofline of one machine: log-log, GFLOP/s against FLOP per byte, the
/// measured roofs as lines, every benchmark a numbered point, and a key of
/// the numbers beside the chart. Labels that would overlap are moved apart
/// (with a leader line to their point).
pub fn roofline_chart(
    r: &weightinit::results::roofline::Roofline,
    path: &Path,
) -> Result<(), String> {
    let wrap = |e: String| format!("cannot write `{}`: {e}", path.display());
    let pts = &r.points;
    let finite = |v: f64| v.is_finite() && v > 0.0;
    if pts
        .iter()
        .any(|p| !finite(p.intensity) || !finite(p.gflops))
        || r.roofs.iter().any(|x| !finite(x.value))
    {
        return Err(wrap("a value no log axis can show".into()));
    }
    let peak = r
        .roofs
        .iter()
        .filter(|x| !x.bandwidth)
        .map(|x| x.value)
        .fold(0.0, f64::max);
    let (mut xlo, mut xhi) = (f64::INFINITY, 0f64);
    let mut ylo = f64::INFINITY;
    for p in pts {
        xlo = xlo.min(p.intensity);
        xhi = xhi.max(p.intensity);
        ylo = ylo.min(p.gflops);
    }
    let (xlo, xhi) = (xlo.min(0.05) / 2.0, xhi.max(50.0) * 2.0);
    let (ylo, yhi) = (ylo.min(peak / 100.0) / 2.0, peak * 3.0);
    let key_rows = pts.len() as u32;
    let (w, h) = (1280u32, (140 + 13 * key_rows).max(720));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| wrap(err(e)))?;
        let (left, right) = root.split_horizontally(820);
        let mut chart = ChartBuilder::on(&left)
            .caption(format!("roofline of {}", r.machine_id), ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d((xlo..xhi).log_scale(), (ylo..yhi).log_scale())
            .map_err(|e| wrap(err(e)))?;
        chart
            .configure_mesh()
            .x_desc("arithmetic intensity, FLOP per byte moved")
            .y_desc("GFLOP/s")
            .x_label_formatter(&|x| format!("{x}"))
            .y_label_formatter(&|y| format!("{y}"))
            .draw()
            .map_err(|e| wrap(err(e)))?;
        let color = |all: bool| if all { RED.to_rgba() } else { BLUE.to_rgba() };
        let style = |all: bool| ("sans-serif", 11).into_font().color(&color(all));
        // Boxes already drawn (pixels), so that no label lands on another.
        let mut placed: Vec<(i32, i32, i32, i32)> = Vec::new();
        let overlaps = |b: &(i32, i32, i32, i32), placed: &[(i32, i32, i32, i32)]| {
            placed
                .iter()
                .any(|p| b.0 < p.2 && p.0 < b.2 && b.1 < p.3 && p.1 < b.3)
        };
        // Roofs: each bandwidth rises until it meets its thread count's compute roof.
        for roof in &r.roofs {
            let compute = r
                .roofs
                .iter()
                .find(|c| !c.bandwidth && c.all_threads == roof.all_threads)
                .map_or(peak, |c| c.value);
            let c = color(roof.all_threads);
            let line = if roof.bandwidth {
                let ridge = (compute / roof.value).clamp(xlo, xhi);
                vec![(xlo, roof.value * xlo), (ridge, roof.value * ridge)]
            } else {
                let ridge = r
                    .roofs
                    .iter()
                    .filter(|b| b.bandwidth && b.all_threads == roof.all_threads)
                    .map(|b| roof.value / b.value)
                    .fold(xhi, f64::min);
                vec![(ridge.max(xlo), roof.value), (xhi, roof.value)]
            };
            chart
                .draw_series(std::iter::once(PathElement::new(line, c.stroke_width(1))))
                .map_err(|e| wrap(err(e)))?;
        }
        for roof in &r.roofs {
            let (lx, ly) = if roof.bandwidth {
                (xlo * 1.15, roof.value * xlo * 1.15)
            } else {
                (xhi / 60.0, roof.value)
            };
            let label = format!(
                "{} {:.0} {}",
                roof.name,
                roof.value,
                if roof.bandwidth { "GB/s" } else { "GFLOP/s" }
            );
            let (x0, y0) = chart.backend_coord(&(lx, ly));
            let tw = 6 * label.chars().count() as i32;
            let spot = (0..16)
                .map(|step| if step % 2 == 0 { step / 2 } else { -(step / 2 + 1) } * 12)
                .map(|dy| (x0, y0 - 14 + dy, x0 + tw, y0 - 2 + dy))
                .find(|b| !overlaps(b, &placed));
            if let Some(b) = spot {
                left.draw(&Text::new(label, (b.0, b.1), style(roof.all_threads)))
                    .map_err(|e| wrap(err(e)))?;
                placed.push(b);
            }
        }
        // Points, numbered; labels placed where they overlap nothing placed before.
        for p in pts {
            let (px, py) = chart.backend_coord(&(p.intensity, p.gflops));
            left.draw(&Circle::new((px, py), 3, color(p.all_threads).filled()))
                .map_err(|e| wrap(err(e)))?;
            placed.push((px - 3, py - 3, px + 3, py + 3));
        }
        let mut order: Vec<usize> = (0..pts.len()).collect();
        order.sort_by(|&a, &b| pts[b].gflops.total_cmp(&pts[a].gflops));
        for k in order {
            let p = &pts[k];
            let (px, py) = chart.backend_coord(&(p.intensity, p.gflops));
            let text = (k + 1).to_string();
            let tw = 7 * text.len() as i32;
            let mut spot = None;
            'search: for step in 0..24 {
                let dy = if step % 2 == 0 {
                    step / 2
                } else {
                    -(step / 2 + 1)
                } * 11;
                for dx in [5, -5 - tw] {
                    let b = (px + dx, py - 6 + dy, px + dx + tw, py + 5 + dy);
                    if !overlaps(&b, &placed) {
                        spot = Some((b, dy != 0 || dx < 0));
                        break 'search;
                    }
                }
            }
            let Some((b, moved)) = spot else { continue };
            if moved {
                left.draw(&PathElement::new(
                    vec![
                        (px, py),
                        (if b.0 > px { b.0 } else { b.2 }, (b.1 + b.3) / 2),
                    ],
                    BLACK.mix(0.4).stroke_width(1),
                ))
                .map_err(|e| wrap(err(e)))?;
            }
            left.draw(&Text::new(text, (b.0, b.1), ("sans-serif", 11).into_font()))
                .map_err(|e| wrap(err(e)))?;
            placed.push(b);
        }
        // The key: number, benchmark, share of its bound.
        right
            .draw(&Text::new(
                "point  benchmark (share of its bound)",
                (8, 14),
                ("sans-serif", 12).into_font(),
            ))
            .map_err(|e| wrap(err(e)))?;
        for (k, p) in pts.iter().enumerate() {
            let line = format!("{:>3}  {} ({:.0}%)", k + 1, p.id, 100.0 * p.share);
            right
                .draw(&Text::new(
                    line,
                    (8, 32 + 13 * k as i32),
                    ("monospace", 11).into_font().color(&color(p.all_threads)),
                ))
                .map_err(|e| wrap(err(e)))?;
        }
        root.present().map_err(|e| wrap(err(e)))?;
    }
    write_svg(path, &svg)
}
