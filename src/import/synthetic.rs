//! A synthetic ecosystem of any size, for scale tests and benchmarks (always labelled synthetic).
//!
//! The shape follows what the papers report about the Hub: Zipf-sized developers (about N/8 of
//! them), creations growing exponentially from 2020-06 to 2025-08, lineage by preferential
//! attachment to popular earlier models with the Hub's relation mix (a few derivatives also list
//! their base's own base, as on the Hub: see [`CO_LIST_BASE`]), heavy-tailed weekly downloads
//! that decay after creation, and attributes (tasks, libraries, licenses, languages, modalities,
//! architectures, training methods, countries, org types) whose shares drift over time.
//!
//! Downloads: all-time = the sum of the weekly rows (the history starts at creation); 30-day
//! downloads are read off the weekly rows by [`downloads_in_30_days`] (weeks partly inside the 30
//! days ending 2025-08-31 count pro rata). Parameters: about 25 % carry a safetensors count, the rest
//! are unknown, while file bytes (parameters × bytes per parameter × noise) exist for about 97 %.
//!
//! Determinism: the same `(models, seed)` gives the same snapshot on every platform. Everything
//! random comes from [`crate::rng::Rng`], models are produced in creation order, and the
//! transcendental functions used here ([`det_ln`], [`det_exp`]) are written with `+ - * /` only,
//! because the platform `ln`/`exp` (glibc natively, a Rust port in wasm) may differ in the last bit.

use std::fmt::Write as _;

use crate::import::rows::downloads_in_30_days;
use crate::rng::Rng;
use crate::snapshot::{
    Categorical, MultiLabel, ParamSource, Relation, Snapshot, SnapshotMeta, Strings, FORMAT_VERSION,
    NULL_CODE,
};
use crate::time::{day_of_week_index, days_from_civil, format_date, week_of_day};
use crate::{Error, Result};

/// The largest ecosystem the generator makes (the Hub's size in the disruption paper).
pub const MAX_MODELS: usize = 2_500_000;

/// Tuning knobs (chosen by looking at the output: about 27 weekly rows per model, 2025 about half of
/// all creations, the largest base with a few per cent of all derivatives).
const GROWTH: f64 = 25.0;
const APPEAL_SCALE: f64 = 3.0;
const DECAY_WEEKS: f64 = 14.0;
const ATTRACTION_POWER: f64 = 0.5;
const CHILD_BONUS: f64 = 1.5;

/// The day the synthetic snapshot is "taken".
pub const SNAPSHOT_DATE: &str = "2025-08-31";

/// Natural logarithm from `+ - * /` only (identical bits on every platform). `x <= 0` gives `-inf`
/// or NaN like `f64::ln`.
pub fn det_ln(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_infinite() {
        return x;
    }
    // Subnormals: scale into the normal range first.
    let (x, extra) = if x < f64::MIN_POSITIVE {
        (x * 18_014_398_509_481_984.0, -54) // 2^54
    } else {
        (x, 0)
    };
    let bits = x.to_bits();
    let mut exponent = ((bits >> 52) & 0x7ff) as i64 - 1023 + extra;
    // Mantissa in [1, 2), then moved to [sqrt(1/2), sqrt(2)) so that |s| below stays small.
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        exponent += 1;
    }
    // ln(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172: the series converges fast.
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    // atanh(s) = s (1 + s²/3 + s⁴/5 + ...); 11 terms leave an error below 1e-18 for |s| < 0.172.
    let mut sum = 0.0;
    let mut k = 21.0;
    while k >= 1.0 {
        sum = 1.0 / k + s2 * sum;
        k -= 2.0;
    }
    let sum = s * sum;
    exponent as f64 * std::f64::consts::LN_2 + 2.0 * sum
}

/// `e^x` from `+ - * /` only (identical bits on every platform); saturates outside ±700.
pub fn det_exp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let x = x.clamp(-700.0, 700.0);
    let k = (x / std::f64::consts::LN_2).round();
    // Cody–Waite: ln 2 split so that k * LN2_HI is exact (fdlibm's constants).
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    // Taylor series of e^r, |r| <= 0.35, Horner form with 13 terms (the next is below 4e-18);
    // multiplying by constant reciprocals instead of dividing keeps it fast and still exact-per-platform.
    const INVERSE: [f64; 13] = [
        1.0,
        1.0 / 2.0,
        1.0 / 3.0,
        1.0 / 4.0,
        1.0 / 5.0,
        1.0 / 6.0,
        1.0 / 7.0,
        1.0 / 8.0,
        1.0 / 9.0,
        1.0 / 10.0,
        1.0 / 11.0,
        1.0 / 12.0,
        1.0 / 13.0,
    ];
    let mut p = 1.0;
    for inv in INVERSE.iter().rev() {
        p = 1.0 + p * r * inv;
    }
    let scale = f64::from_bits(((k as i64 + 1023) as u64) << 52);
    p * scale
}

/// Standard normal by Marsaglia's polar method (uses only [`det_ln`] and `sqrt`, which IEEE rounds
/// exactly everywhere).
fn normal(rng: &mut Rng) -> f64 {
    loop {
        let u = 2.0 * rng.f64() - 1.0;
        let v = 2.0 * rng.f64() - 1.0;
        let s = u * u + v * v;
        if s > 0.0 && s < 1.0 {
            return u * (-2.0 * det_ln(s) / s).sqrt();
        }
    }
}

/// Index drawn with probability proportional to `weights` (all zero: index 0).
fn pick(rng: &mut Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut target = rng.f64() * total;
    for (i, w) in weights.iter().enumerate() {
        if target < *w {
            return i;
        }
        target -= w;
    }
    weights.iter().rposition(|w| *w > 0.0).unwrap_or(0)
}

/// A categorical value whose weights drift linearly from `early` (2020-06) to `late` (2025-08).
struct Drift {
    values: &'static [&'static str],
    early: &'static [f64],
    late: &'static [f64],
}

impl Drift {
    /// Code into `values`, or [`NULL_CODE`] when the drawn entry is the trailing "missing" weight
    /// (`early`/`late` may have one weight more than `values`: the chance of a missing value).
    fn draw(&self, rng: &mut Rng, t: f64, buffer: &mut Vec<f64>) -> u32 {
        buffer.clear();
        buffer.extend(self.early.iter().zip(self.late).map(|(a, b)| a + (b - a) * t));
        let k = pick(rng, buffer);
        if k < self.values.len() {
            k as u32
        } else {
            NULL_CODE
        }
    }
}

const ORG_TYPES: [&str; 6] = [
    "individual",
    "startup",
    "big tech",
    "academic",
    "non-profit",
    "government",
];

const COUNTRIES: Drift = Drift {
    values: &[
        "United States",
        "China",
        "France",
        "Germany",
        "United Kingdom",
        "Canada",
        "South Korea",
        "Japan",
        "India",
        "Israel",
        "Singapore",
        "Switzerland",
        "Netherlands",
        "Russia",
        "United Arab Emirates",
        "Spain",
        "Italy",
        "Brazil",
        "Sweden",
        "Taiwan",
    ],
    early: &[
        0.45, 0.08, 0.05, 0.07, 0.07, 0.04, 0.03, 0.03, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.005, 0.02,
        0.015, 0.015, 0.01, 0.01,
    ],
    late: &[
        0.30, 0.25, 0.05, 0.05, 0.05, 0.03, 0.04, 0.03, 0.04, 0.02, 0.02, 0.015, 0.015, 0.015, 0.02, 0.015,
        0.01, 0.015, 0.01, 0.015,
    ],
};

/// Pipeline tags with their input → output modalities and the architecture family they use.
const TASKS: [(&str, &[&str], &[&str], usize); 18] = [
    ("text-generation", &["text"], &["text"], 0),
    ("text2text-generation", &["text"], &["text"], 0),
    ("fill-mask", &["text"], &["text"], 1),
    ("text-classification", &["text"], &["text"], 1),
    ("token-classification", &["text"], &["text"], 1),
    ("question-answering", &["text"], &["text"], 1),
    ("translation", &["text"], &["text"], 1),
    ("summarization", &["text"], &["text"], 1),
    ("feature-extraction", &["text"], &["text"], 1),
    ("sentence-similarity", &["text"], &["text"], 1),
    ("text-to-image", &["text"], &["image"], 2),
    ("image-classification", &["image"], &["text"], 3),
    ("object-detection", &["image"], &["text"], 3),
    ("image-text-to-text", &["text", "image"], &["text"], 0),
    ("automatic-speech-recognition", &["audio"], &["text"], 4),
    ("text-to-speech", &["text"], &["audio"], 5),
    ("reinforcement-learning", &[], &[], 6),
    ("text-to-video", &["text"], &["video"], 2),
];
/// Task weights, 2020 and 2025, plus the chance of no tag (last entry).
const TASK_EARLY: [f64; 19] = [
    0.12, 0.10, 0.15, 0.18, 0.08, 0.07, 0.05, 0.03, 0.05, 0.02, 0.03, 0.06, 0.02, 0.0, 0.03, 0.01, 0.01, 0.0,
    0.10,
];
const TASK_LATE: [f64; 19] = [
    0.40, 0.03, 0.02, 0.07, 0.02, 0.01, 0.01, 0.01, 0.05, 0.05, 0.12, 0.03, 0.01, 0.08, 0.04, 0.02, 0.02,
    0.01, 0.10,
];

/// Architectures by family (index = the family number in [`TASKS`]), with 2020 and 2025 weights.
const ARCHITECTURES: [Drift; 7] = [
    Drift {
        values: &[
            "gpt2", "t5", "llama", "mistral", "qwen2", "gemma", "phi3", "mixtral",
        ],
        early: &[0.6, 0.4, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        late: &[0.03, 0.03, 0.3, 0.1, 0.35, 0.1, 0.06, 0.03],
    },
    Drift {
        values: &["bert", "roberta", "distilbert", "deberta-v2", "xlm-roberta"],
        early: &[0.5, 0.3, 0.15, 0.05, 0.0],
        late: &[0.3, 0.15, 0.1, 0.2, 0.25],
    },
    Drift {
        values: &["stable-diffusion", "flux"],
        early: &[1.0, 0.0],
        late: &[0.5, 0.5],
    },
    Drift {
        values: &["vit", "resnet", "convnext"],
        early: &[0.5, 0.5, 0.0],
        late: &[0.5, 0.2, 0.3],
    },
    Drift {
        values: &["wav2vec2", "whisper"],
        early: &[0.8, 0.2],
        late: &[0.3, 0.7],
    },
    Drift {
        values: &["vits", "kokoro"],
        early: &[1.0, 0.0],
        late: &[0.6, 0.4],
    },
    Drift {
        values: &["dqn", "ppo"],
        early: &[0.5, 0.5],
        late: &[0.3, 0.7],
    },
];

const LICENSES: Drift = Drift {
    values: &[
        "apache-2.0",
        "mit",
        "cc-by-4.0",
        "cc-by-nc-4.0",
        "openrail",
        "creativeml-openrail-m",
        "llama2",
        "llama3",
        "gemma",
        "other",
    ],
    early: &[0.45, 0.25, 0.05, 0.03, 0.0, 0.0, 0.0, 0.0, 0.0, 0.07, 0.15],
    late: &[0.33, 0.18, 0.03, 0.04, 0.03, 0.04, 0.02, 0.06, 0.03, 0.09, 0.15],
};

const LANGUAGES: Drift = Drift {
    values: &[
        "en", "zh", "fr", "de", "es", "ja", "ko", "ru", "ar", "hi", "pt", "it", "vi",
    ],
    early: &[
        0.70, 0.05, 0.04, 0.04, 0.04, 0.02, 0.02, 0.03, 0.02, 0.01, 0.01, 0.01, 0.01,
    ],
    late: &[
        0.58, 0.15, 0.03, 0.03, 0.04, 0.03, 0.03, 0.02, 0.02, 0.02, 0.02, 0.01, 0.02,
    ],
};

const TRAINING_DATA: Drift = Drift {
    values: &["open", "partial", "closed"],
    early: &[0.25, 0.10, 0.25, 0.40],
    late: &[0.15, 0.15, 0.30, 0.40],
};

const METHODS: [&str; 10] = [
    "pretraining",
    "sft",
    "rlhf",
    "dpo",
    "grpo",
    "lora",
    "qlora",
    "distillation",
    "quantization",
    "merging",
];
const M_PRETRAINING: u32 = 0;
const M_SFT: u32 = 1;
const M_RLHF: u32 = 2;
const M_DPO: u32 = 3;
const M_GRPO: u32 = 4;
const M_LORA: u32 = 5;
const M_QLORA: u32 = 6;
const M_DISTILLATION: u32 = 7;
const M_QUANTIZATION: u32 = 8;
const M_MERGING: u32 = 9;

const LIBRARIES: [&str; 9] = [
    "transformers",
    "diffusers",
    "sentence-transformers",
    "peft",
    "gguf",
    "timm",
    "stable-baselines3",
    "mlx",
    "onnx",
];

/// Relation of a new derivative, 2020 and 2025 weights (finetune, adapter, quantized, merge, other):
/// tuned so that the whole ecosystem's edges come out near adapter 42 %, finetune 36 %, quantized
/// 19 %, merge 2 % (a merge has 2–3 edges).
const RELATION_EARLY: [f64; 5] = [0.62, 0.30, 0.06, 0.0, 0.02];
const RELATION_LATE: [f64; 5] = [0.32, 0.46, 0.22, 0.009, 0.008];

/// Chance that a derivative of F also lists F's own first base, when F has one (finetune, adapter,
/// quantized, merge, other): the Hub's habit (a fine-tune of an instruct model listing the instruct
/// model and its base; a merge of a model with its parent) that puts a derivative in both C_F and
/// C_P, so n_j > 0 and F can come out consolidating in the MDI. A non-merge derivative gets the
/// grand-base as an extra, second base; a merge gets it in place of its second drawn parent (so
/// merges keep 2–3 bases).
///
/// Why these rates: in the real sample (www/data/sample-real.arrow, 141 k models, dates ignored) of
/// the derivatives whose first base has a base, 35 % of merges list that grand-base too, 0.5 % of
/// fine-tunes, 0.3 % of quantizations, 1.4 % of "other" links, no adapters (1.9 % overall); 3.3 % of
/// the derivatives that have derivatives come out consolidating (unbounded window), 0.28 % of all
/// scored models. The synthetic lineage is shallower (9 % of derivatives derive from a derivative,
/// against 33 % in the sample) and its models have fewer derivatives each, so the sample's per-link
/// rates give far less (even fine-tunes at 2 %, four times the sample's, gave 1.4 % and 0.13 %);
/// these rates (fine-tunes 12×, "other" 4×, quantizations 3× and merges 1.4× the sample's, adapters
/// 1 % against none) bring the view-level shares near the sample's: 2.6 % of derivatives with
/// derivatives and 0.25 % of all scored models consolidating (100 k models, seed 42, unbounded
/// window, dates ignored as above).
const CO_LIST_BASE: [f64; 5] = [0.06, 0.01, 0.01, 0.5, 0.06];

/// How attractive a model of each kind is as a base (root, finetune, adapter, quantized, merge, other).
fn base_factor(relation: Option<Relation>) -> f64 {
    match relation {
        None => 1.0,
        Some(Relation::Finetune) => 0.5,
        Some(Relation::Merge) => 0.5,
        Some(Relation::Other) => 0.3,
        Some(Relation::Adapter) => 0.04,
        Some(Relation::Quantized) => 0.02,
    }
}

/// Weighted sampling over a growing set (a Fenwick tree of weights): O(log n) add and draw.
struct Fenwick {
    tree: Vec<f64>,
    total: f64,
}

impl Fenwick {
    fn new(n: usize) -> Self {
        Fenwick {
            tree: vec![0.0; n + 1],
            total: 0.0,
        }
    }
    fn add(&mut self, index: usize, weight: f64) {
        let mut i = index + 1;
        while let Some(slot) = self.tree.get_mut(i) {
            *slot += weight;
            i += i & i.wrapping_neg();
        }
        self.total += weight;
    }
    /// An index drawn with probability proportional to its weight; `None` while all are zero.
    fn draw(&self, rng: &mut Rng, limit: usize) -> Option<usize> {
        if self.total <= 0.0 || limit == 0 {
            return None;
        }
        let mut target = rng.f64() * self.total;
        let mut pos = 0usize;
        let mut step = (self.tree.len().saturating_sub(1)).next_power_of_two();
        while step > 0 {
            let next = pos + step;
            if let Some(&w) = self.tree.get(next) {
                if w <= target {
                    target -= w;
                    pos = next;
                }
            }
            step >>= 1;
        }
        // `pos` models have cumulative weight <= target, so `pos` is the drawn index; rounding at the
        // far end can overshoot, hence the clamp to the models that exist so far.
        Some(pos.min(limit - 1))
    }
}

/// Writes `n` in base 80 using two-letter syllables: distinct numbers give distinct names.
fn syllable_name(mut n: usize, out: &mut String) {
    const CONSONANTS: &[u8; 16] = b"bdfghklmnprstvzj";
    const VOWELS: &[u8; 5] = b"aeiou";
    let mut digits = [0usize; 8];
    let mut len = 0;
    loop {
        if let Some(d) = digits.get_mut(len) {
            *d = n % 80;
        }
        len += 1;
        n /= 80;
        if n == 0 || len == digits.len() {
            break;
        }
    }
    if len < 2 {
        len = 2; // at least two syllables ("baba" is 0)
    }
    for d in digits.iter().take(len).rev() {
        out.push(CONSONANTS[d / 5 % 16] as char);
        out.push(VOWELS[d % 5] as char);
    }
}

/// The first base listed by model `i` of a base CSR under construction (`None` for a root).
fn csr_first(offsets: &[u32], bases: &[u32], i: usize) -> Option<usize> {
    match (offsets.get(i), offsets.get(i + 1)) {
        (Some(&a), Some(&b)) if a < b => bases.get(a as usize).map(|&p| p as usize),
        _ => None,
    }
}

/// Day of the first and last possible creation.
fn creation_range() -> (i32, i32) {
    (days_from_civil(2020, 6, 1), days_from_civil(2025, 8, 31))
}

/// Builds a synthetic snapshot of `models` models, deterministic per `seed` on every platform.
///
/// `models == 0` gives an empty snapshot (no rows, metadata filled in). More than [`MAX_MODELS`] is
/// an error.
pub fn generate(models: usize, seed: u64) -> Result<Snapshot> {
    if models > MAX_MODELS {
        return Err(Error::option(
            "models",
            format!("{models} is more than the generator makes ({MAX_MODELS})"),
        ));
    }
    let n = models;
    let mut rng = Rng::new(seed ^ 0x6875_6265_636f_6e00); // "hubecon\0": keeps streams apart from other users
    let (first_day, last_day) = creation_range();
    let span_days = (last_day - first_day) as f64;
    let years = span_days / 365.25;
    // Creations grow over the span (developers starting later push the mix further towards 2025).
    let growth = det_ln(GROWTH) / years;

    // --- developers: Pareto sizes, each with a start time, org type and country ---
    // Sizes follow Zipf's law (Pareto tail index 1), capped at 1 % of N and 5 000 models: about 8
    // models per developer at the sizes the benchmarks use.
    let cap = (n / 100).clamp(1, 5000);
    let mut author_sizes: Vec<usize> = Vec::with_capacity(n / 7 + 1);
    let mut assigned = 0usize;
    while assigned < n {
        let u = 1.0 - rng.f64();
        let size = (1.0 / u).floor().clamp(1.0, cap as f64) as usize;
        let size = size.min(n - assigned);
        author_sizes.push(size);
        assigned += size;
    }
    let author_count = author_sizes.len();
    let mut author_start = Vec::with_capacity(author_count); // creation quantile where it starts
    let mut author_org = Vec::with_capacity(author_count);
    let mut author_country = Vec::with_capacity(author_count);
    let mut buffer = Vec::with_capacity(32);
    for &size in &author_sizes {
        let log_size = det_ln(size as f64);
        // Large developers started early; single-model ones anywhere.
        let start = det_exp(det_ln(1.0 - rng.f64()) * (1.0 + log_size / 2.0)).min(0.999);
        let start_t = quantile_time(start, growth, years) / years;
        let org_weights = [
            6.0 / (1.0 + log_size),
            1.0 + start_t,
            0.12 * (1.0 + log_size),
            0.8,
            0.3,
            0.05,
        ];
        let org = pick(&mut rng, &org_weights) as u32;
        let null_country = if org == 0 { 0.6 } else { 0.05 };
        let country = if rng.f64() < null_country {
            NULL_CODE
        } else {
            COUNTRIES.draw(&mut rng, start_t, &mut buffer)
        };
        author_start.push(start);
        author_org.push(org);
        author_country.push(country);
    }

    // --- model slots: (creation quantile, author), sorted into creation order ---
    let mut slots: Vec<(u64, u32)> = Vec::with_capacity(n);
    for (k, &size) in author_sizes.iter().enumerate() {
        let start = author_start.get(k).copied().unwrap_or(0.0);
        for _ in 0..size {
            let q = start + (1.0 - start) * rng.f64();
            slots.push((q.to_bits(), k as u32));
        }
    }
    // Positive f64 order = bit order; equal pairs are indistinguishable, so unstable sort is fine.
    slots.sort_unstable();

    // --- per-model generation in creation order ---
    let mut snap = Snapshot {
        id: Strings::new(),
        ..Default::default()
    };
    snap.id.offsets.reserve(n);
    snap.id.data.reserve(n * 24);
    let mut author_codes = Vec::with_capacity(n);
    let mut created = Vec::with_capacity(n);
    let mut base_offsets = Vec::with_capacity(n + 1);
    base_offsets.push(0u32);
    let mut base_model = Vec::with_capacity(n / 2);
    let mut base_relation = Vec::with_capacity(n / 2);
    let mut kind: Vec<Option<Relation>> = Vec::with_capacity(n);
    let mut appeal = Vec::with_capacity(n);
    let mut decay_weeks = Vec::with_capacity(n);
    let mut task = Vec::with_capacity(n);
    let mut arch = Vec::with_capacity(n);
    let mut license = Vec::with_capacity(n);
    let mut gated = Vec::with_capacity(n);
    let mut lang_offsets = vec![0u32];
    let mut lang_codes = Vec::with_capacity(n);
    let mut method_offsets = vec![0u32];
    let mut method_codes = Vec::with_capacity(n);
    let mut training_data = Vec::with_capacity(n);
    let mut library = Vec::with_capacity(n);
    let mut true_params = Vec::with_capacity(n);
    let mut params = Vec::with_capacity(n);
    let mut params_source = Vec::with_capacity(n);
    let mut file_bytes = Vec::with_capacity(n);
    let mut attraction = Fenwick::new(n);
    let mut parents: Vec<usize> = Vec::with_capacity(3);
    let mut names: Vec<String> = Vec::new(); // author names, made on first use
    names.resize(author_count, String::new());

    for (i, &(q_bits, author)) in slots.iter().enumerate() {
        let q = f64::from_bits(q_bits);
        let t_years = quantile_time(q, growth, years);
        let t = (t_years / years).clamp(0.0, 1.0);
        let day = (first_day + (t_years * 365.25).floor() as i32).min(last_day);
        created.push(day);
        author_codes.push(author);

        // Lineage: derivative share rises from 15 % to 40 %.
        let derivative_share = 0.15 + 0.25 * t;
        let mut relation = None;
        parents.clear();
        if i > 0 && rng.f64() < derivative_share {
            buffer.clear();
            buffer.extend(
                RELATION_EARLY
                    .iter()
                    .zip(&RELATION_LATE)
                    .map(|(a, b)| a + (b - a) * t),
            );
            let r = Relation::from_code(pick(&mut rng, &buffer) as u8).unwrap_or(Relation::Other);
            let wanted = if r == Relation::Merge {
                2 + rng.below(2) as usize
            } else {
                1
            };
            for _ in 0..wanted * 4 {
                if parents.len() == wanted {
                    break;
                }
                if let Some(p) = attraction.draw(&mut rng, i) {
                    if !parents.contains(&p) {
                        parents.push(p);
                    }
                }
            }
            if !parents.is_empty() {
                relation = Some(if r == Relation::Merge && parents.len() < 2 {
                    Relation::Finetune
                } else {
                    r
                });
            }
        }
        // Consolidating links: also list the first parent's own first base (see [`CO_LIST_BASE`]).
        if let (Some(r), Some(&f)) = (relation, parents.first()) {
            let grand = csr_first(&base_offsets, &base_model, f);
            if let Some(g) = grand.filter(|g| !parents.contains(g)) {
                if rng.f64() < CO_LIST_BASE.get(r as usize).copied().unwrap_or(0.0) {
                    match parents.get_mut(1) {
                        Some(second) if r == Relation::Merge => *second = g,
                        _ => parents.push(g),
                    }
                }
            }
        }
        let first_parent = parents.first().copied();
        for &p in &parents {
            base_model.push(p as u32);
            base_relation.push(relation.unwrap_or(Relation::Other));
            // Rich get richer: each child adds to a base's attraction (on the current time scale,
            // independent of its own appeal, so that no single model runs away with the graph).
            attraction.add(p, CHILD_BONUS * det_exp(t_years / 1.1));
        }
        base_offsets.push(base_model.len() as u32);
        kind.push(relation);

        // Task, architecture: inherited from the first base most of the time.
        let inherit = |v: &Vec<u32>| first_parent.and_then(|p| v.get(p).copied());
        let my_task = match inherit(&task) {
            Some(c) if rng.f64() < 0.9 => c,
            _ => {
                buffer.clear();
                buffer.extend(TASK_EARLY.iter().zip(&TASK_LATE).map(|(a, b)| a + (b - a) * t));
                let k = pick(&mut rng, &buffer);
                if k < TASKS.len() {
                    k as u32
                } else {
                    NULL_CODE
                }
            }
        };
        task.push(my_task);
        let family = TASKS.get(my_task as usize).map(|x| x.3).unwrap_or(0);
        let my_arch = match inherit(&arch) {
            Some(c) if rng.f64() < 0.97 => c,
            _ => ARCHITECTURES
                .get(family)
                .map(|d| d.draw(&mut rng, t, &mut buffer) + 64 * family as u32)
                .unwrap_or(NULL_CODE),
        };
        arch.push(my_arch);
        let my_license = match inherit(&license) {
            Some(c) if rng.f64() < 0.6 => c,
            _ => LICENSES.draw(&mut rng, t, &mut buffer),
        };
        license.push(my_license);
        let gated_share = if relation.is_none() { 0.01 + 0.05 * t } else { 0.01 };
        gated.push(u32::from(rng.f64() < gated_share));

        // Languages: inherited, or 1-3 drawn (text tasks only; 30 % unknown).
        let text_task = TASKS
            .get(my_task as usize)
            .map(|x| x.1.contains(&"text") || x.2.contains(&"text"))
            .unwrap_or(false);
        let start = lang_codes.len();
        match first_parent {
            Some(p) if rng.f64() < 0.8 => {
                let (a, b) = (
                    lang_offsets.get(p).copied().unwrap_or(0) as usize,
                    lang_offsets.get(p + 1).copied().unwrap_or(0) as usize,
                );
                for k in a..b {
                    if let Some(&c) = lang_codes.get(k) {
                        lang_codes.push(c);
                    }
                }
            }
            _ if text_task && rng.f64() < 0.7 => {
                let first = LANGUAGES.draw(&mut rng, t, &mut buffer);
                lang_codes.push(first);
                while lang_codes.len() - start < 3 && rng.f64() < 0.2 {
                    let more = LANGUAGES.draw(&mut rng, t, &mut buffer);
                    if !lang_codes[start..].contains(&more) {
                        lang_codes.push(more);
                    }
                }
            }
            _ => {}
        }
        lang_offsets.push(lang_codes.len() as u32);

        // Training methods follow the relation, with newer methods appearing over time.
        match relation {
            None => {
                method_codes.push(M_PRETRAINING);
                if rng.f64() < 0.1 + 0.3 * t {
                    method_codes.push(M_SFT);
                }
                if rng.f64() < 0.15 * t {
                    method_codes.push(M_RLHF);
                }
            }
            Some(Relation::Finetune) | Some(Relation::Other) => {
                method_codes.push(M_SFT);
                if t > 0.55 && rng.f64() < 0.4 * (t - 0.55) * 2.0 {
                    method_codes.push(M_DPO);
                }
                if t > 0.9 && rng.f64() < 0.5 {
                    method_codes.push(M_GRPO);
                }
                if rng.f64() < 0.15 * t * t {
                    method_codes.push(M_DISTILLATION);
                }
            }
            Some(Relation::Adapter) => {
                method_codes.push(if t > 0.6 && rng.f64() < 0.4 {
                    M_QLORA
                } else {
                    M_LORA
                });
                method_codes.push(M_SFT);
            }
            Some(Relation::Quantized) => method_codes.push(M_QUANTIZATION),
            Some(Relation::Merge) => method_codes.push(M_MERGING),
        }
        method_offsets.push(method_codes.len() as u32);

        training_data.push(if relation.is_some() && rng.f64() < 0.5 {
            NULL_CODE
        } else {
            TRAINING_DATA.draw(&mut rng, t, &mut buffer)
        });

        let task_name = TASKS.get(my_task as usize).map(|x| x.0).unwrap_or("");
        let lib = match relation {
            Some(Relation::Adapter) => {
                if family == 2 {
                    1
                } else {
                    3
                }
            }
            Some(Relation::Quantized) => {
                let u = rng.f64();
                if u < 0.7 * t {
                    4
                } else if u < 0.8 * t {
                    7
                } else {
                    0
                }
            }
            _ => match task_name {
                "text-to-image" | "text-to-video" => 1,
                "sentence-similarity" | "feature-extraction" if rng.f64() < 0.6 => 2,
                "image-classification" if rng.f64() < 0.3 => 5,
                "reinforcement-learning" => 6,
                _ => {
                    let u = rng.f64();
                    if u < 0.05 * t {
                        7
                    } else if u < 0.08 {
                        8
                    } else if u < 0.12 {
                        NULL_CODE
                    } else {
                        0
                    }
                }
            },
        };
        library.push(lib);

        // Parameters grow over time; derivatives keep their base's size (adapters are small).
        let p = match (first_parent.and_then(|p| true_params.get(p).copied()), relation) {
            (Some(base), Some(Relation::Adapter)) => {
                base * det_exp((-3.5 + 1.5 * rng.f64()) * std::f64::consts::LN_10)
            }
            (Some(base), _) => base,
            (None, _) => {
                let offset = match family {
                    1 => -0.6,
                    3..=5 => -0.5,
                    6 => -2.0,
                    _ => 0.0,
                };
                let log10 = (8.0 + 1.5 * t + 0.6 * normal(&mut rng) + offset).clamp(4.5, 12.3);
                det_exp(log10 * std::f64::consts::LN_10).round()
            }
        };
        let p = p.max(1000.0).round();
        true_params.push(p);
        let safetensors_share = if t < 0.5 { 0.06 } else { 0.27 };
        if rng.f64() < safetensors_share {
            params.push(p);
            params_source.push(ParamSource::Safetensors);
        } else {
            params.push(f64::NAN);
            params_source.push(ParamSource::Unknown);
        }
        let bytes_per_param = match relation {
            Some(Relation::Quantized) => 0.55 + 0.55 * rng.f64(),
            _ if rng.f64() < 0.8 - 0.7 * t => 4.0,
            _ => 2.0,
        };
        if rng.f64() < 0.03 {
            file_bytes.push(f64::NAN);
        } else {
            let noise = det_exp(0.1 * normal(&mut rng));
            file_bytes.push((p * bytes_per_param * noise + 2.0e6 * rng.f64()).round());
        }

        // Downloads: heavy-tailed appeal (Pareto times log-normal), decaying after creation.
        let pareto = det_exp(-det_ln(1.0 - rng.f64()) / 1.05);
        let mut a = APPEAL_SCALE * pareto * det_exp(0.9 * normal(&mut rng));
        if relation == Some(Relation::Quantized) {
            a *= 1.5;
        }
        if relation.is_none() {
            a *= 1.5;
        }
        let a = a.min(2.0e7);
        appeal.push(a);
        decay_weeks.push((DECAY_WEEKS * det_exp(0.8 * normal(&mut rng))).clamp(2.0, 260.0));

        // Attractiveness as a base: appeal^0.7, newer models favoured (doubling every ~8 months).
        let w =
            det_exp(ATTRACTION_POWER * det_ln(a.max(1e-3))) * det_exp(t_years / 1.1) * base_factor(relation);
        attraction.add(i, w);

        // The id: `author/name`; names tell the relation.
        let name = names.get_mut(author as usize);
        let author_name = match name {
            Some(s) => {
                if s.is_empty() {
                    syllable_name(author as usize, s);
                    if let Some(&org) = author_org.get(author as usize) {
                        s.push_str(match org {
                            1 => "-ai",
                            2 => "-labs",
                            3 => "-uni",
                            4 => "-org",
                            5 => "-gov",
                            _ => "",
                        });
                    }
                }
                s.as_str()
            }
            None => "unknown",
        };
        let prefix = match relation {
            None => "model",
            Some(Relation::Finetune) => "ft",
            Some(Relation::Adapter) => "lora",
            Some(Relation::Quantized) => "gguf",
            Some(Relation::Merge) => "merge",
            Some(Relation::Other) => "variant",
        };
        // Writing to a String cannot fail.
        let _ = write!(snap.id.data, "{author_name}/{prefix}-{i}");
        snap.id.offsets.push(snap.id.data.len() as u32);
    }

    // --- weekly downloads ---
    let last_week = week_of_day(last_day);
    let mut weekly_offsets = Vec::with_capacity(n + 1);
    weekly_offsets.push(0u32);
    let mut weekly_week: Vec<u16> = Vec::with_capacity(n * 28);
    let mut weekly_downloads: Vec<u32> = Vec::with_capacity(n * 28);
    let mut downloads_30d = Vec::with_capacity(n);
    let mut downloads_all_time = Vec::with_capacity(n);
    let mut likes = Vec::with_capacity(n);
    for i in 0..n {
        let day = created.get(i).copied().unwrap_or(last_day);
        let a = appeal.get(i).copied().unwrap_or(0.0);
        let tau = decay_weeks.get(i).copied().unwrap_or(10.0);
        let ratio = det_exp(-1.0 / tau);
        let first_week = week_of_day(day);
        // The first week counts only the days after creation.
        let mut level = a;
        let mut lambda = a * ((day_of_week_index(first_week) + 7 - day) as f64 / 7.0);
        let mut total = 0u64;
        let start = weekly_week.len();
        for w in first_week..=last_week {
            if lambda < 0.02 {
                break;
            }
            let d = (lambda * (0.6 + 0.8 * rng.f64()) + rng.f64()).floor().min(4.0e9) as u32;
            if d > 0 {
                weekly_week.push(w.clamp(0, u16::MAX as i32) as u16);
                weekly_downloads.push(d);
                total += d as u64;
            }
            level *= ratio;
            lambda = level;
        }
        weekly_offsets.push(weekly_week.len() as u32);
        downloads_all_time.push(total as f64);
        let (weeks, counts) = (
            weekly_week.get(start..).unwrap_or(&[]),
            weekly_downloads.get(start..).unwrap_or(&[]),
        );
        downloads_30d.push(downloads_in_30_days(weeks, counts, last_day));
        // Likes grow like downloads^0.65 with noise.
        let l = det_exp(0.65 * det_ln(1.0 + total as f64) - 3.5 + 0.8 * normal(&mut rng)) - 0.5;
        likes.push(l.max(0.0).floor());
    }

    let first_week = weekly_week.iter().min().copied();
    let last_week_seen = weekly_week.iter().max().copied();
    let download_rows = weekly_week.len();

    snap.meta = SnapshotMeta {
        format_version: FORMAT_VERSION,
        snapshot_date: SNAPSHOT_DATE.to_string(),
        source: "synthetic".to_string(),
        synthetic: true,
        models: n,
        download_rows,
        first_week: first_week.map(|w| format_date(day_of_week_index(w as i32))).unwrap_or_default(),
        last_week: last_week_seen.map(|w| format_date(day_of_week_index(w as i32))).unwrap_or_default(),
        content_hash: String::new(),
        repairs: Vec::new(),
        description: format!(
            "synthetic ecosystem of {n} models from seed {seed} (hubecon generator v2): Zipf-sized developers, \
             exponential growth 2020-06 to 2025-08, preferential-attachment lineage, decaying weekly downloads"
        ),
    };
    snap.author = Categorical {
        codes: author_codes,
        values: names
            .into_iter()
            .map(|s| if s.is_empty() { "unused".to_string() } else { s })
            .collect(),
    };
    snap.created = created;
    snap.base_offsets = base_offsets;
    snap.base_model = base_model;
    snap.base_relation = base_relation;
    snap.likes = likes;
    snap.downloads_30d = downloads_30d;
    snap.downloads_all_time = downloads_all_time;
    snap.weekly_offsets = weekly_offsets;
    snap.weekly_week = weekly_week;
    snap.weekly_downloads = weekly_downloads;
    snap.params = params;
    snap.params_source = params_source;
    snap.file_bytes = file_bytes;
    snap.pipeline_tag = compact(task, TASKS.iter().map(|x| x.0));
    snap.library = compact(library, LIBRARIES.iter().copied());
    snap.license = compact(license, LICENSES.values.iter().copied());
    snap.gated = compact(gated, ["false", "true"].into_iter());
    // Architecture codes are 64 * family + index within the family.
    let arch_values: Vec<String> = (0..ARCHITECTURES.len() * 64)
        .map(|c| {
            ARCHITECTURES
                .get(c / 64)
                .and_then(|d| d.values.get(c % 64))
                .map(|s| s.to_string())
                .unwrap_or_default()
        })
        .collect();
    snap.architecture = compact(arch, arch_values.iter().map(|s| s.as_str()));
    snap.training_data = compact(training_data, TRAINING_DATA.values.iter().copied());
    snap.org_type = compact(
        snap.author
            .codes
            .iter()
            .map(|&a| author_org.get(a as usize).copied().unwrap_or(NULL_CODE))
            .collect(),
        ORG_TYPES.iter().copied(),
    );
    snap.country = compact(
        snap.author
            .codes
            .iter()
            .map(|&a| author_country.get(a as usize).copied().unwrap_or(NULL_CODE))
            .collect(),
        COUNTRIES.values.iter().copied(),
    );
    snap.languages = compact_multi(lang_offsets, lang_codes, LANGUAGES.values.iter().copied());
    snap.training_methods = compact_multi(method_offsets, method_codes, METHODS.iter().copied());
    // Modalities follow the task.
    let mut in_lists = Vec::with_capacity(n);
    let mut out_lists = Vec::with_capacity(n);
    for &c in &snap.pipeline_tag.codes {
        let name = snap
            .pipeline_tag
            .values
            .get(c as usize)
            .map(|s| s.as_str())
            .unwrap_or("");
        let (ins, outs) = TASKS
            .iter()
            .find(|x| x.0 == name)
            .map(|x| (x.1, x.2))
            .unwrap_or((&[], &[]));
        in_lists.push(ins.to_vec());
        out_lists.push(outs.to_vec());
    }
    snap.input_modalities = MultiLabel::from_lists(in_lists);
    snap.output_modalities = MultiLabel::from_lists(out_lists);
    Ok(snap)
}

/// Years after 2020-06-01 at creation quantile `q` of an exponential growth at rate `growth`/year
/// over `years` (the inverse of the growth's cumulative distribution).
fn quantile_time(q: f64, growth: f64, years: f64) -> f64 {
    let total = det_exp(growth * years) - 1.0;
    (det_ln(1.0 + q * total) / growth).clamp(0.0, years)
}

/// A categorical column from codes into a fixed vocabulary, keeping only the values in use (in
/// vocabulary order).
fn compact<'a>(codes: Vec<u32>, vocabulary: impl Iterator<Item = &'a str>) -> Categorical {
    let vocabulary: Vec<&str> = vocabulary.collect();
    let mut used = vec![false; vocabulary.len()];
    for &c in &codes {
        if let Some(u) = used.get_mut(c as usize) {
            *u = true;
        }
    }
    let mut remap = vec![NULL_CODE; vocabulary.len()];
    let mut values = Vec::new();
    for (k, v) in vocabulary.iter().enumerate() {
        if used.get(k).copied().unwrap_or(false) {
            if let Some(r) = remap.get_mut(k) {
                *r = values.len() as u32;
            }
            values.push(v.to_string());
        }
    }
    let codes = codes
        .into_iter()
        .map(|c| remap.get(c as usize).copied().unwrap_or(NULL_CODE))
        .collect();
    Categorical { codes, values }
}

/// A multi-label column from codes into a fixed vocabulary, keeping only the values in use.
fn compact_multi<'a>(
    offsets: Vec<u32>,
    codes: Vec<u32>,
    vocabulary: impl Iterator<Item = &'a str>,
) -> MultiLabel {
    let single = compact(codes, vocabulary);
    MultiLabel {
        offsets,
        codes: single.codes,
        values: single.values,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_ln_and_exp_match_the_platform_closely() {
        for &x in &[
            1e-300, 1e-10, 0.1, 0.5, 0.999, 1.0, 1.5, 2.0, 10.0, 12345.678, 1e300,
        ] {
            let (a, b) = (det_ln(x), f64::ln(x));
            assert!((a - b).abs() <= 1e-14 * b.abs().max(1.0), "ln({x}): {a} vs {b}");
        }
        for &x in &[-700.0, -20.0, -1.0, -1e-9, 0.0, 0.3, 1.0, 2.5, 50.0, 700.0] {
            let (a, b) = (det_exp(x), f64::exp(x));
            assert!((a - b).abs() <= 1e-14 * b, "exp({x}): {a} vs {b}");
        }
        // A dense sweep: within a few units in the last place of the platform's functions.
        let mut x = 1e-6;
        while x < 1e6 {
            assert!(
                (det_ln(x) - x.ln()).abs() <= 2e-15 * x.ln().abs().max(1.0),
                "ln({x})"
            );
            x *= 1.0137;
        }
        let mut x = -50.0;
        while x < 50.0 {
            assert!((det_exp(x) - x.exp()).abs() <= 2e-15 * x.exp(), "exp({x})");
            x += 0.0173;
        }
        assert_eq!(det_ln(1.0), 0.0);
        assert_eq!(det_exp(0.0), 1.0);
        assert!(det_ln(-1.0).is_nan());
    }

    #[test]
    fn syllable_names_are_distinct() {
        let mut seen = std::collections::BTreeSet::new();
        for k in 0..20_000 {
            let mut s = String::new();
            syllable_name(k, &mut s);
            assert!(seen.insert(s), "duplicate name for {k}");
        }
    }
}
