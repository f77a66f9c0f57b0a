//! Shared by the native and the wasm determinism tests: a digest of a generated snapshot's columns.
//! Lives in a subfolder so that cargo does not make it a test target of its own.

use hubecon::Snapshot;

/// FNV-1a over every column's values (floats by their bits), in a fixed order.
pub fn digest(s: &Snapshot) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(s.id.data.as_bytes());
    s.created.iter().for_each(|x| eat(&x.to_le_bytes()));
    for v in [
        &s.base_offsets,
        &s.base_model,
        &s.weekly_offsets,
        &s.weekly_downloads,
        &s.author.codes,
    ] {
        v.iter().for_each(|x| eat(&x.to_le_bytes()));
    }
    s.weekly_week.iter().for_each(|x| eat(&x.to_le_bytes()));
    s.base_relation.iter().for_each(|r| eat(&[*r as u8]));
    s.params_source.iter().for_each(|r| eat(&[*r as u8]));
    for v in [
        &s.likes,
        &s.downloads_30d,
        &s.downloads_all_time,
        &s.params,
        &s.file_bytes,
    ] {
        v.iter().for_each(|x| eat(&x.to_bits().to_le_bytes()));
    }
    for c in [
        &s.pipeline_tag,
        &s.library,
        &s.license,
        &s.gated,
        &s.architecture,
        &s.training_data,
        &s.org_type,
        &s.country,
    ] {
        c.codes.iter().for_each(|x| eat(&x.to_le_bytes()));
        c.values.iter().for_each(|x| eat(x.as_bytes()));
    }
    for m in [
        &s.languages,
        &s.input_modalities,
        &s.output_modalities,
        &s.training_methods,
    ] {
        m.offsets
            .iter()
            .chain(&m.codes)
            .for_each(|x| eat(&x.to_le_bytes()));
        m.values.iter().for_each(|x| eat(x.as_bytes()));
    }
    h
}
