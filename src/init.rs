//! Initializers: one *variance scaling* description, the named presets, gains and fans.
//!
//! Every scheme draws i.i.d. weights with mean 0 and
//!
//! ```text
//! Var(w) = gain² · scale / fan,   fan ∈ {fan_in, fan_out, (fan_in + fan_out)/2}
//! ```
//!
//! from a normal N(0, Var), a uniform U(±√(3·Var)), or a truncated normal with
//! that variance (±2σ', see `sample::truncated`),
//! as Keras' and JAX's `VarianceScaling` do. The presets:
//!
//! | name | scale | fan | Var | paper |
//! |---|---|---|---|---|
//! | `lecun_*` | 1 | fan_in | 1/fan_in | LeCun, Bottou, Orr & Müller, "Efficient BackProp", 1998 |
//! | `xavier_*` (`glorot_*`) | 1 | fan_avg | 2/(fan_in+fan_out) | Glorot & Bengio, AISTATS 2010 |
//! | `he_*` (`kaiming_*`) | 2 | fan_in | 2/fan_in | He, Zhang, Ren & Sun, ICCV 2015 |
//!
//! with `*` ∈ {`normal`, `uniform`, `truncated_normal`}; so LeCun uniform is
//! U(±√(3/fan_in)), He uniform U(±√(6/fan_in)), Xavier uniform
//! U(±√(6/(fan_in+fan_out))). Fixed schemes: `normal:STD` is N(0, STD²) and
//! `uniform:A` is U(−A, A), whatever the fans. `orthogonal` (Saxe, McClelland &
//! Ganguli, ICLR 2014) is in `orthogonal`.
//!
//! # Shapes and fans
//! A weight of shape `[fan_in, fan_out]` multiplies on the right (`h·W`), as in
//! the experiment, Keras and JAX. A convolution kernel is `[k₁, …, k_r, in, out]`
//! (Keras/JAX HWIO): with receptive field `R = k₁·…·k_r`,
//! `fan_in = in·R` and `fan_out = out·R`.
//!
//! # Example
//! ```
//! use weightinit::init::{Fans, Init};
//!
//! let he = Init::parse("kaiming_uniform")?; // an alias of he_uniform
//! let fans = Fans::from_shape(&[3, 3, 64, 128])?; // fan_in = 3·3·64 = 576
//! assert!((he.variance(fans) - 2.0 / 576.0).abs() < 1e-12);
//! let w = he.sample(&[3, 3, 64, 128], 7)?;
//! let bound = (6.0f32 / 576.0).sqrt();
//! assert!(w.iter().all(|x| x.abs() <= bound));
//! # Ok::<(), weightinit::init::InitError>(())
//! ```
//!
//! # Gains
//! [`Gain::for_nonlinearity`] follows PyTorch's `calculate_gain`: linear and
//! sigmoid 1, tanh 5/3, relu √2, leaky_relu(s) √(2/(1+s²)), selu 3/4.
#![forbid(unsafe_code)]

use crate::backend::Backend;
use crate::npy::NpyError;
use crate::rng::StreamKey;
use crate::sample::{CHUNK, Dist, Normal, SampleError, TruncatedNormal, Uniform};
pub use crate::stats::Summary;

/// Which fan the variance divides by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FanMode {
    /// fan_in.
    FanIn,
    /// fan_out.
    FanOut,
    /// (fan_in + fan_out) / 2.
    FanAvg,
}

impl FanMode {
    /// Parses `fan_in`, `fan_out` or `fan_avg`.
    pub fn parse(s: &str) -> Result<FanMode, InitError> {
        match s {
            "fan_in" => Ok(FanMode::FanIn),
            "fan_out" => Ok(FanMode::FanOut),
            "fan_avg" => Ok(FanMode::FanAvg),
            _ => Err(InitError::UnknownFanMode(s.to_string())),
        }
    }
}

/// The distribution family of a variance-scaling scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    /// N(0, Var).
    Normal,
    /// U(±√(3·Var)).
    Uniform,
    /// Truncated normal at ±2σ' with variance Var.
    TruncatedNormal,
}

/// Fans of a weight tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fans {
    /// Inputs per output unit.
    pub fan_in: usize,
    /// Outputs per input unit.
    pub fan_out: usize,
}

impl Fans {
    /// Fans of a dense `[fan_in, fan_out]` weight.
    pub fn dense(fan_in: usize, fan_out: usize) -> Result<Fans, InitError> {
        Fans::from_shape(&[fan_in, fan_out])
    }

    /// Fans of `[k₁, …, k_r, in, out]` (rank ≥ 2; see the module doc).
    pub fn from_shape(shape: &[usize]) -> Result<Fans, InitError> {
        if shape.len() < 2 {
            return Err(InitError::Rank(shape.len()));
        }
        if let Some(&d) = shape.iter().find(|&&d| d == 0) {
            return Err(InitError::ZeroDim {
                shape: shape.to_vec(),
                dim: d,
            });
        }
        let r = shape.len();
        let rf: usize = shape[..r - 2].iter().product();
        Ok(Fans {
            fan_in: shape[r - 2] * rf,
            fan_out: shape[r - 1] * rf,
        })
    }

    fn fan(&self, mode: FanMode) -> f64 {
        match mode {
            FanMode::FanIn => self.fan_in as f64,
            FanMode::FanOut => self.fan_out as f64,
            FanMode::FanAvg => (self.fan_in + self.fan_out) as f64 / 2.0,
        }
    }
}

/// A gain that multiplies the standard deviation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gain(pub f64);

impl Gain {
    /// PyTorch's `calculate_gain`: `linear`, `sigmoid`, `tanh`, `relu`,
    /// `leaky_relu` (slope 0.01) or `leaky_relu:S`, `selu`.
    pub fn for_nonlinearity(name: &str) -> Result<Gain, InitError> {
        let g = match name {
            "linear" | "identity" | "sigmoid" | "conv" => 1.0,
            "tanh" => 5.0 / 3.0,
            "relu" => 2f64.sqrt(),
            "selu" => 0.75,
            _ => {
                if let Some(rest) = name.strip_prefix("leaky_relu") {
                    let s = match rest.strip_prefix(':') {
                        None if rest.is_empty() => 0.01,
                        Some(v) => parse_number("leaky_relu slope", v)?,
                        None => return Err(InitError::UnknownNonlinearity(name.to_string())),
                    };
                    (2.0 / (1.0 + s * s)).sqrt()
                } else {
                    return Err(InitError::UnknownNonlinearity(name.to_string()));
                }
            }
        };
        Ok(Gain(g))
    }

    /// A number, or a nonlinearity name.
    pub fn parse(s: &str) -> Result<Gain, InitError> {
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => Ok(Gain(v)),
            Ok(v) => Err(InitError::BadNumber {
                what: "gain",
                value: v.to_string(),
            }),
            Err(_) => Gain::for_nonlinearity(s),
        }
    }
}

/// A weight-initialization scheme.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Scheme {
    /// Var = gain²·scale/fan, from `family`.
    VarianceScaling {
        /// The scale (1 for LeCun/Xavier, 2 for He).
        scale: f64,
        /// The fan.
        mode: FanMode,
        /// The distribution.
        family: Family,
    },
    /// N(0, std²), independent of the fans.
    FixedNormal {
        /// Standard deviation.
        std: f64,
    },
    /// U(−a, a), independent of the fans.
    FixedUniform {
        /// Bound.
        a: f64,
    },
    /// A (semi-)orthogonal matrix times the gain.
    Orthogonal,
}

/// A named initializer with its gain.
#[derive(Clone, Debug, PartialEq)]
pub struct Init {
    /// The stable name (as parsed, aliases resolved).
    pub(crate) name: String,
    /// The scheme.
    pub(crate) scheme: Scheme,
    /// Multiplies the standard deviation (1 by default).
    pub(crate) gain: f64,
}

/// Bad initializer input.
#[derive(Clone, Debug, PartialEq)]
pub enum InitError {
    /// Not a known scheme name.
    UnknownName(String),
    /// Not a fan mode.
    UnknownFanMode(String),
    /// Not a nonlinearity.
    UnknownNonlinearity(String),
    /// A numeric parameter was malformed, negative or NaN.
    BadNumber {
        /// Which parameter.
        what: &'static str,
        /// The text given.
        value: String,
    },
    /// A shape of rank < 2.
    Rank(usize),
    /// A shape with a zero dimension.
    ZeroDim {
        /// The shape.
        shape: Vec<usize>,
        /// The offending dimension.
        dim: usize,
    },
    /// The resulting distribution was invalid.
    Sample(SampleError),
    /// A scheme that needs the whole matrix (orthogonal) was asked for a distribution.
    NotElementwise(String),
    /// The orthogonal scheme could not factor the matrix.
    Orthogonal(String),
    /// A buffer whose length is not the shape's element count.
    Length {
        /// The buffer's length.
        len: usize,
        /// The shape's element count.
        elements: usize,
    },
    /// A shape whose element count overflows `usize`.
    TooLarge(Vec<usize>),
    /// A tensor drawn in memory that exceeds `MAX_IN_MEMORY`.
    InMemory {
        /// The initializer.
        init: String,
        /// Its values.
        n: usize,
    },
    /// A standard deviation or bound that `f32` cannot hold: it overflows,
    /// or a positive value rounds to 0 (every weight would be 0).
    Range {
        /// The initializer, with its gain where it has one.
        init: String,
        /// `std` or `uniform bound`.
        what: &'static str,
        /// The value in `f64`.
        value: f64,
    },
}

impl core::fmt::Display for InitError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            InitError::UnknownName(n) => write!(
                f,
                "unknown initializer `{n}` (expected one of: {}, normal:STD, uniform:A, orthogonal, lsuv)",
                PRESETS.join(", ")
            ),
            InitError::UnknownFanMode(m) => write!(
                f,
                "unknown fan mode `{m}` (expected fan_in, fan_out or fan_avg)"
            ),
            InitError::UnknownNonlinearity(n) => write!(
                f,
                "unknown gain `{n}` (expected a number ≥ 0 or linear, sigmoid, tanh, relu, leaky_relu[:S], selu)"
            ),
            InitError::BadNumber { what, value } => {
                write!(f, "bad {what} `{value}`: expected a finite number ≥ 0")
            }
            InitError::Rank(r) => write!(f, "a weight shape needs rank ≥ 2, got rank {r}"),
            InitError::ZeroDim { shape, .. } => write!(f, "shape {shape:?} has a zero dimension"),
            InitError::Sample(e) => write!(f, "{e}"),
            InitError::NotElementwise(n) => write!(f, "`{n}` is not an element-wise distribution"),
            InitError::Orthogonal(e) => write!(f, "orthogonal initialization failed: {e}"),
            InitError::Length { len, elements } => write!(
                f,
                "a buffer of {len} floats for a shape of {elements} elements"
            ),
            InitError::TooLarge(shape) => write!(f, "shape {shape:?} has too many elements"),
            InitError::InMemory { init, n } => write!(
                f,
                "{init} draws all {n} values in memory here; at most {MAX_IN_MEMORY}"
            ),
            InitError::Range { init, what, value } => {
                let why = if value.is_finite() && *value < 1.0 {
                    "rounds to 0 in f32, so every weight would be 0"
                } else {
                    "overflows f32 (largest 3.4e38)"
                };
                write!(f, "`{init}`: its {what}, {value:e}, {why}")
            }
        }
    }
}

impl std::error::Error for InitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            InitError::Sample(e) => Some(e),
            _ => None,
        }
    }
}

impl From<SampleError> for InitError {
    fn from(e: SampleError) -> Self {
        InitError::Sample(e)
    }
}

/// An initializer of the grid: element-wise or LSUV.
#[derive(Clone, Debug, PartialEq)]
pub enum InitSpec {
    /// An element-wise or orthogonal scheme.
    Scheme(Init),
    /// Layer-sequential unit variance.
    Lsuv,
}

impl InitSpec {
    /// Parses a name (`lsuv`, or anything [`Init::parse`] takes).
    pub fn parse(s: &str) -> Result<InitSpec, InitError> {
        if s.trim().eq_ignore_ascii_case("lsuv") {
            Ok(InitSpec::Lsuv)
        } else {
            Init::parse(s).map(InitSpec::Scheme)
        }
    }

    /// The stable name.
    pub fn name(&self) -> String {
        match self {
            InitSpec::Scheme(i) => i.name.clone(),
            InitSpec::Lsuv => "lsuv".into(),
        }
    }

    /// Every scheme the crate knows (`--init all`).
    pub fn all() -> Vec<InitSpec> {
        let mut v: Vec<InitSpec> = ["normal:1", "normal:0.01"]
            .iter()
            .chain(PRESETS.iter())
            .chain(["lsuv"].iter())
            .map(|n| InitSpec::parse(n).expect("built-in names parse"))
            .collect();
        v.dedup();
        v
    }

    /// The seed's eight presets.
    pub fn default_grid() -> Vec<InitSpec> {
        DEFAULT_GRID
            .iter()
            .map(|n| InitSpec::parse(n).expect("built-in names parse"))
            .collect()
    }
}

/// The seed's eight presets: the experiment's default grid.
pub const DEFAULT_GRID: [&str; 8] = [
    "normal:1",
    "normal:0.01",
    "lecun_normal",
    "lecun_uniform",
    "xavier_normal",
    "xavier_uniform",
    "he_normal",
    "he_uniform",
];

fn parse_number(what: &'static str, s: &str) -> Result<f64, InitError> {
    match s.trim().parse::<f64>() {
        Ok(v) => check_number(what, v, s.to_string()),
        Err(_) => Err(InitError::BadNumber {
            what,
            value: s.to_string(),
        }),
    }
}

/// `v` where it is finite and ≥ 0; else the error names `text`.
fn check_number(what: &'static str, v: f64, text: String) -> Result<f64, InitError> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(InitError::BadNumber { what, value: text })
    }
}

impl Init {
    /// Parses a stable name: a preset (or alias), `normal:STD`, `uniform:A` or `orthogonal`.
    pub fn parse(name: &str) -> Result<Init, InitError> {
        let n = name.trim().to_ascii_lowercase();
        if let Some(v) = n.strip_prefix("normal:") {
            let std = parse_number("std", v)?;
            return Ok(Init {
                name: format!("normal:{v}"),
                scheme: Scheme::FixedNormal { std },
                gain: 1.0,
            });
        }
        if let Some(v) = n.strip_prefix("uniform:") {
            let a = parse_number("uniform bound", v)?;
            if a == 0.0 {
                return Err(InitError::BadNumber {
                    what: "uniform bound",
                    value: v.to_string(),
                });
            }
            return Ok(Init {
                name: format!("uniform:{v}"),
                scheme: Scheme::FixedUniform { a },
                gain: 1.0,
            });
        }
        let canon = n
            .replacen("glorot_", "xavier_", 1)
            .replacen("kaiming_", "he_", 1);
        PRESET_TABLE
            .iter()
            .find(|p| p.0 == canon)
            .map(|p| Init::preset(*p))
            .ok_or_else(|| InitError::UnknownName(name.to_string()))
    }

    /// A preset from its row of the table.
    fn preset((name, scale, mode, family): Preset) -> Init {
        Init {
            name: name.to_string(),
            scheme: if family == PresetFamily::Orthogonal {
                Scheme::Orthogonal
            } else {
                Scheme::VarianceScaling {
                    scale,
                    mode,
                    family: match family {
                        PresetFamily::Normal => Family::Normal,
                        PresetFamily::Uniform => Family::Uniform,
                        _ => Family::TruncatedNormal,
                    },
                }
            },
            gain: 1.0,
        }
    }

    /// The stable name (aliases resolved).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The gain (1 unless set).
    pub fn gain(&self) -> f64 {
        self.gain
    }

    /// `v` in `f32`, or [`InitError::Range`] where it overflows or a positive
    /// value rounds to 0.
    fn to_f32(&self, what: &'static str, v: f64) -> Result<f32, InitError> {
        let x = v as f32;
        if x.is_finite() && (x != 0.0 || v == 0.0) {
            return Ok(x);
        }
        let init = if self.gain == 1.0 {
            self.name.clone()
        } else {
            format!("{} with gain {:e}", self.name, self.gain)
        };
        Err(InitError::Range {
            init,
            what,
            value: v,
        })
    }

    /// The same scheme with another fan mode (variance scaling only).
    pub fn with_fan_mode(mut self, m: FanMode) -> Init {
        if let Scheme::VarianceScaling { mode, .. } = &mut self.scheme {
            *mode = m;
        }
        self
    }

    /// The same scheme with a gain.
    pub fn with_gain(mut self, g: Gain) -> Init {
        self.gain = g.0;
        self
    }

    /// The weight variance for these fans.
    pub fn variance(&self, fans: Fans) -> f64 {
        let g2 = self.gain * self.gain;
        match self.scheme {
            Scheme::VarianceScaling { scale, mode, .. } => g2 * scale / fans.fan(mode),
            Scheme::FixedNormal { std } => g2 * std * std,
            Scheme::FixedUniform { a } => g2 * a * a / 3.0,
            // Orthogonal rows/columns have unit norm: Var = gain²/max(fan_in, fan_out).
            Scheme::Orthogonal => g2 / fans.fan_in.max(fans.fan_out) as f64,
        }
    }

    /// The expected standard deviation for these fans.
    pub fn expected_std(&self, fans: Fans) -> f64 {
        self.variance(fans).sqrt()
    }

    /// The element-wise distribution for these fans.
    pub fn dist(&self, fans: Fans) -> Result<Dist, InitError> {
        let var = self.variance(fans);
        let std = self.to_f32("std", var.sqrt())?;
        let family = match self.scheme {
            Scheme::VarianceScaling { family, .. } => family,
            Scheme::FixedNormal { .. } => Family::Normal,
            Scheme::FixedUniform { .. } => Family::Uniform,
            Scheme::Orthogonal => return Err(InitError::NotElementwise(self.name.clone())),
        };
        Ok(match family {
            Family::Normal => Dist::Normal(Normal::new(0.0, std)?),
            Family::TruncatedNormal => Dist::TruncatedNormal(TruncatedNormal::new(0.0, std)?),
            Family::Uniform => Dist::Uniform(Uniform::symmetric(
                self.to_f32("uniform bound", (3.0 * var).sqrt())?,
            )?),
        })
    }

    /// Fills a `[fans.fan_in, fans.fan_out]` row-major weight (or any tensor with these
    /// fans) from stream `key` on `backend`.
    pub(crate) fn fill_stream(
        &self,
        fans: Fans,
        key: StreamKey,
        out: &mut [f32],
        backend: Backend,
    ) -> Result<(), InitError> {
        if self.scheme == Scheme::Orthogonal {
            let rows = out.len() / fans.fan_out.max(1);
            return crate::orthogonal::fill(
                rows,
                fans.fan_out,
                self.gain as f32,
                key,
                out,
                backend,
            )
            .map_err(|e| InitError::Orthogonal(e.to_string()));
        }
        backend.fill(&self.dist(fans)?, key, out);
        Ok(())
    }
}

/// How a preset draws: the three variance-scaling families, or orthogonal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PresetFamily {
    Normal,
    Uniform,
    TruncatedNormal,
    Orthogonal,
}

/// A row of the preset table: name, scale, fan mode, family.
type Preset = (&'static str, f64, FanMode, PresetFamily);

/// The presets, listed once: the table [`Init::parse`] reads, the
/// constructors (`Init::he_normal()`, …) and [`PRESETS`].
macro_rules! presets {
    ($($(#[$doc:meta])* $name:ident: $scale:expr, $mode:ident, $family:ident;)*) => {
        const PRESET_TABLE: &[Preset] = &[
            $((stringify!($name), $scale, FanMode::$mode, PresetFamily::$family),)*
        ];

        /// Every preset name: the variance-scaling schemes and `orthogonal`.
        pub const PRESETS: &[&str] = &[$(stringify!($name),)*];

        impl Init {
            $(
                $(#[$doc])*
                pub fn $name() -> Init {
                    Init::preset((stringify!($name), $scale, FanMode::$mode, PresetFamily::$family))
                }
            )*
        }
    };
}

presets! {
    /// LeCun normal: N(0, 1/fan_in) (LeCun, Bottou, Orr & Müller 1998).
    lecun_normal: 1.0, FanIn, Normal;
    /// LeCun uniform: U(±√(3/fan_in)).
    lecun_uniform: 1.0, FanIn, Uniform;
    /// LeCun truncated normal: std √(1/fan_in) after truncation at ±2σ.
    lecun_truncated_normal: 1.0, FanIn, TruncatedNormal;
    /// Xavier (Glorot) normal: N(0, 2/(fan_in + fan_out)) (Glorot & Bengio 2010).
    xavier_normal: 1.0, FanAvg, Normal;
    /// Xavier (Glorot) uniform: U(±√(6/(fan_in + fan_out))).
    xavier_uniform: 1.0, FanAvg, Uniform;
    /// Xavier truncated normal: std √(2/(fan_in + fan_out)) after truncation.
    xavier_truncated_normal: 1.0, FanAvg, TruncatedNormal;
    /// He (Kaiming) normal: N(0, 2/fan_in) (He, Zhang, Ren & Sun 2015).
    he_normal: 2.0, FanIn, Normal;
    /// He (Kaiming) uniform: U(±√(6/fan_in)).
    he_uniform: 2.0, FanIn, Uniform;
    /// He truncated normal: std √(2/fan_in) after truncation.
    he_truncated_normal: 2.0, FanIn, TruncatedNormal;
    /// A (semi-)orthogonal matrix (Saxe, McClelland & Ganguli 2014).
    orthogonal: 1.0, FanIn, Orthogonal;
}

/// The front door: a preset by name, then [`Init::sample`] or [`Init::fill`].
///
/// ```
/// use weightinit::Init;
/// let w: Vec<f32> = Init::he_normal().sample(&[784, 256], 7)?; // seeded, SIMD, parallel
/// let mut conv = vec![0f32; 3 * 3 * 64 * 128];
/// Init::xavier_uniform().fill(&mut conv, &[3, 3, 64, 128], 7)?; // HWIO: fans from the shape
/// let tanh = Init::xavier_normal().with_gain(weightinit::init::Gain::for_nonlinearity("tanh")?);
/// # let _ = (w, tanh);
/// # Ok::<(), weightinit::init::InitError>(())
/// ```
impl Init {
    /// N(0, std²) whatever the fans; an error for a negative or non-finite std.
    pub fn normal(std: f64) -> Result<Init, InitError> {
        let std = check_number("std", std, std.to_string())?;
        Ok(Init {
            name: format!("normal:{std}"),
            scheme: Scheme::FixedNormal { std },
            gain: 1.0,
        })
    }

    /// U(−a, a) whatever the fans; an error unless `a` is finite and positive.
    pub fn uniform(a: f64) -> Result<Init, InitError> {
        let a = check_number("uniform bound", a, a.to_string())?;
        if a == 0.0 {
            return Err(InitError::BadNumber {
                what: "uniform bound",
                value: a.to_string(),
            });
        }
        Ok(Init {
            name: format!("uniform:{a}"),
            scheme: Scheme::FixedUniform { a },
            gain: 1.0,
        })
    }

    /// A new weight tensor of `shape` (`[k…, fan_in, fan_out]`, row-major),
    /// drawn from seed `seed` on the SIMD path and the rayon pool: the same
    /// values for one seed whatever the thread count, and the same as
    /// [`Init::fill`].
    pub fn sample(&self, shape: &[usize], seed: u64) -> Result<Vec<f32>, InitError> {
        let n = elements(shape)?;
        let mut out = vec![0f32; n];
        self.fill(&mut out, shape, seed)?;
        Ok(out)
    }

    /// Fills `out`, a tensor of `shape`, as [`Init::sample`] would.
    pub fn fill(&self, out: &mut [f32], shape: &[usize], seed: u64) -> Result<(), InitError> {
        let n = elements(shape)?;
        if out.len() != n {
            return Err(InitError::Length {
                len: out.len(),
                elements: n,
            });
        }
        let fans = Fans::from_shape(shape)?;
        self.fill_stream(fans, StreamKey::new(seed, 0), out, Backend::Fast)
    }

    /// Writes the tensor of `shape` that [`Init::sample`] (fast backend) or
    /// its naive twin would give as a `.npy` file at `path`, whole or not at
    /// all (`crate::npy::write_file`). Element-wise schemes on the fast
    /// backend stream in groups of `WRITE_GROUP` values, so memory stays
    /// at two groups for any size; orthogonal weights and the naive backend
    /// draw the whole tensor first, at most `MAX_IN_MEMORY` values.
    /// Returns the summary of the values written; `progress` gets the count
    /// written after each group, and `cancel` is asked between groups.
    pub fn write_npy(
        &self,
        path: &std::path::Path,
        shape: &[usize],
        seed: u64,
        backend: Backend,
        mut progress: impl FnMut(usize),
        cancel: &(dyn Fn() -> bool + Sync),
    ) -> Result<Summary, WriteError> {
        let mut summary = Summary::EMPTY;
        let seen = |g: &[f32]| {
            summary = summary.merge(&Summary::of(g));
            progress(summary.n as usize);
        };
        let n = elements(shape)?;
        let fans = Fans::from_shape(shape)?;
        let key = StreamKey::new(seed, 0);
        let written = if self.scheme == Scheme::Orthogonal || backend == Backend::Naive {
            if self.scheme == Scheme::Orthogonal {
                crate::orthogonal::check_size(n / fans.fan_out, fans.fan_out)
                    .map_err(|e| InitError::Orthogonal(e.to_string()))?;
            }
            if n > MAX_IN_MEMORY {
                return Err(InitError::InMemory {
                    init: self.name.clone(),
                    n,
                }
                .into());
            }
            let mut buf = vec![0f32; n];
            self.fill_stream(fans, key, &mut buf, backend)?;
            crate::npy::write_file(
                path,
                shape,
                WRITE_GROUP,
                |start, out| out.copy_from_slice(&buf[start..start + out.len()]),
                seen,
                cancel,
            )
        } else {
            let dist = self.dist(fans)?;
            crate::npy::write_file(
                path,
                shape,
                WRITE_GROUP,
                |start, out| dist.fill_from_chunk(key, (start / CHUNK) as u64, out),
                seen,
                cancel,
            )
        };
        written.map_err(WriteError::Npy)?;
        Ok(summary)
    }
}

/// Why [`Init::write_npy`] wrote nothing.
#[derive(Debug)]
pub enum WriteError {
    /// The initializer or shape was refused before anything was drawn.
    Init(InitError),
    /// The file was refused, failed or was cancelled.
    Npy(NpyError),
}

impl From<InitError> for WriteError {
    fn from(e: InitError) -> Self {
        WriteError::Init(e)
    }
}

impl core::fmt::Display for WriteError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            WriteError::Init(e) => write!(f, "{e}"),
            WriteError::Npy(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WriteError::Init(e) => Some(e),
            WriteError::Npy(e) => Some(e),
        }
    }
}

/// Values per group of [`Init::write_npy`]: 64 sampler chunks (16 MiB).
pub(crate) const WRITE_GROUP: usize = 64 * CHUNK;
/// The most values [`Init::write_npy`] draws in memory (1 GiB of `f32`).
pub(crate) const MAX_IN_MEMORY: usize = 1 << 28;

/// The element count of a weight shape, checked.
fn elements(shape: &[usize]) -> Result<usize, InitError> {
    shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| InitError::TooLarge(shape.to_vec()))
}
