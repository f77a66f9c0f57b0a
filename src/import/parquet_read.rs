//! Reading Parquet inputs (native only): open a file, keep the named columns, and read values of
//! the types real exports use (strings plain, large, view or dictionary-encoded; integers and
//! floats of any width; dates as strings, Date32/Date64 or timestamps of any unit). A column of
//! another type is an error naming the file, the column and the type found.

use std::fs::File;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;

use crate::time::parse_date;
use crate::{Error, Result};

/// A Parquet file opened for reading only some of its top-level columns.
pub struct ParquetInput {
    pub file: String,
    /// Names of the top-level columns in the file.
    pub columns: Vec<String>,
    builder: ParquetRecordBatchReaderBuilder<File>,
}

impl ParquetInput {
    pub fn open(path: &str) -> Result<Self> {
        let handle = File::open(path).map_err(|e| Error::input(path, e.to_string()))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(handle)
            .map_err(|e| Error::input(path, format!("not a readable Parquet file: {e}")))?;
        let columns = builder
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        Ok(ParquetInput {
            file: path.to_string(),
            columns,
            builder,
        })
    }

    pub fn has(&self, name: &str) -> bool {
        self.columns.iter().any(|c| c == name)
    }

    /// Fails with a message naming the first missing column of `required`.
    pub fn require(&self, required: &[&str]) -> Result<()> {
        for name in required {
            if !self.has(name) {
                return Err(Error::input(
                    &self.file,
                    format!(
                        "missing column '{name}' (the file has: {})",
                        self.columns.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Reads the named columns (those present) batch by batch; `visit` gets each batch with the
    /// columns in the order of `wanted` (`None` where the file lacks one).
    pub fn read(
        self,
        wanted: &[&str],
        mut visit: impl FnMut(&[Option<ArrayRef>], usize) -> Result<()>,
    ) -> Result<()> {
        let file = self.file.clone();
        let indices: Vec<usize> = wanted
            .iter()
            .filter_map(|w| self.columns.iter().position(|c| c == w))
            .collect();
        let mask = ProjectionMask::roots(self.builder.parquet_schema(), indices);
        let reader = self
            .builder
            .with_projection(mask)
            .with_batch_size(64 * 1024)
            .build()
            .map_err(|e| Error::input(&file, format!("cannot read: {e}")))?;
        for batch in reader {
            let batch: RecordBatch = batch.map_err(|e| Error::input(&file, format!("cannot read: {e}")))?;
            let columns: Vec<Option<ArrayRef>> =
                wanted.iter().map(|w| batch.column_by_name(w).cloned()).collect();
            visit(&columns, batch.num_rows())?;
        }
        Ok(())
    }
}

fn wrong_type(file: &str, name: &str, found: &DataType, expected: &str) -> Error {
    Error::input(
        file,
        format!("column '{name}' has type {found}, expected {expected}"),
    )
}

/// String access to a column of any string encoding.
pub enum Strs<'a> {
    Utf8(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
    Dict {
        keys: &'a dyn Array,
        normalized: Vec<usize>,
        values: Box<Strs<'a>>,
    },
}

impl<'a> Strs<'a> {
    pub fn new(array: &'a dyn Array, file: &str, name: &str) -> Result<Strs<'a>> {
        if let Some(a) = array.as_string_opt::<i32>() {
            return Ok(Strs::Utf8(a));
        }
        if let Some(a) = array.as_string_opt::<i64>() {
            return Ok(Strs::Large(a));
        }
        if let Some(a) = array.as_string_view_opt() {
            return Ok(Strs::View(a));
        }
        if let Some(d) = array.as_any_dictionary_opt() {
            let values = Strs::new(d.values().as_ref(), file, name)?;
            return Ok(Strs::Dict {
                keys: d.keys(),
                normalized: d.normalized_keys(),
                values: Box::new(values),
            });
        }
        Err(wrong_type(file, name, array.data_type(), "a string"))
    }

    /// The string at `row`; `None` for null (and for empty strings, which sources use as null).
    pub fn get(&self, row: usize) -> Option<&'a str> {
        let s = match self {
            Strs::Utf8(a) => (row < a.len() && a.is_valid(row)).then(|| a.value(row)),
            Strs::Large(a) => (row < a.len() && a.is_valid(row)).then(|| a.value(row)),
            Strs::View(a) => (row < a.len() && a.is_valid(row)).then(|| a.value(row)),
            Strs::Dict {
                keys,
                normalized,
                values,
            } => {
                if row < keys.len() && keys.is_valid(row) {
                    normalized.get(row).and_then(|&k| values.get(k))
                } else {
                    None
                }
            }
        }?;
        let s = s.trim();
        (!s.is_empty()).then_some(s)
    }
}

/// Numbers of any integer or float type, read as `f64` (`NaN` for null).
pub fn numbers(array: &dyn Array, file: &str, name: &str) -> Result<Vec<f64>> {
    macro_rules! prim {
        ($t:ty) => {
            if let Some(a) = array.as_primitive_opt::<$t>() {
                return Ok((0..a.len())
                    .map(|i| {
                        if a.is_valid(i) {
                            a.value(i) as f64
                        } else {
                            f64::NAN
                        }
                    })
                    .collect());
            }
        };
    }
    prim!(Int64Type);
    prim!(Int32Type);
    prim!(Int16Type);
    prim!(Int8Type);
    prim!(UInt64Type);
    prim!(UInt32Type);
    prim!(UInt16Type);
    prim!(UInt8Type);
    prim!(Float64Type);
    prim!(Float32Type);
    if matches!(array.data_type(), DataType::Null) {
        return Ok(vec![f64::NAN; array.len()]);
    }
    Err(wrong_type(file, name, array.data_type(), "a number"))
}

/// Days since 1970-01-01 (`None` for null) from strings, Date32/Date64 or timestamps of any unit.
/// An unparseable string is an error naming the row (1-based within the file as read).
pub fn days(array: &dyn Array, file: &str, name: &str, first_row: usize) -> Result<Vec<Option<i32>>> {
    let per_day = |unit: &TimeUnit| -> i64 {
        match unit {
            TimeUnit::Second => 86_400,
            TimeUnit::Millisecond => 86_400_000,
            TimeUnit::Microsecond => 86_400_000_000,
            TimeUnit::Nanosecond => 86_400_000_000_000,
        }
    };
    let from_ticks = |v: i64, per: i64| -> Option<i32> { i32::try_from(v.div_euclid(per)).ok() };
    macro_rules! ticks {
        ($t:ty, $per:expr) => {
            if let Some(a) = array.as_primitive_opt::<$t>() {
                return Ok((0..a.len())
                    .map(|i| {
                        if a.is_valid(i) {
                            from_ticks(a.value(i) as i64, $per)
                        } else {
                            None
                        }
                    })
                    .collect());
            }
        };
    }
    match array.data_type() {
        DataType::Timestamp(unit, _) => {
            let per = per_day(unit);
            ticks!(TimestampSecondType, per);
            ticks!(TimestampMillisecondType, per);
            ticks!(TimestampMicrosecondType, per);
            ticks!(TimestampNanosecondType, per);
            Err(wrong_type(file, name, array.data_type(), "a date"))
        }
        DataType::Date32 => {
            ticks!(Date32Type, 1);
            Err(wrong_type(file, name, array.data_type(), "a date"))
        }
        DataType::Date64 => {
            ticks!(Date64Type, 86_400_000);
            Err(wrong_type(file, name, array.data_type(), "a date"))
        }
        DataType::Null => Ok(vec![None; array.len()]),
        _ => {
            let strs = Strs::new(array, file, name).map_err(|_| {
                wrong_type(
                    file,
                    name,
                    array.data_type(),
                    "a date (string, date or timestamp)",
                )
            })?;
            (0..array.len())
                .map(|i| match strs.get(i) {
                    None => Ok(None),
                    Some(s) => parse_date(s).map(Some).map_err(|_| {
                        Error::input(
                            file,
                            format!("row {}: {name} '{s}' is not a date", first_row + i + 1),
                        )
                    }),
                })
                .collect()
        }
    }
}

/// Strings of a `list<string>` column per row (empty for null).
pub fn string_lists(array: &dyn Array, file: &str, name: &str) -> Result<Vec<Vec<String>>> {
    let (offsets, values): (Vec<usize>, &ArrayRef) = if let Some(l) = array.as_list_opt::<i32>() {
        (
            l.value_offsets().iter().map(|&o| o.max(0) as usize).collect(),
            l.values(),
        )
    } else if let Some(l) = array.as_list_opt::<i64>() {
        (
            l.value_offsets().iter().map(|&o| o.max(0) as usize).collect(),
            l.values(),
        )
    } else {
        return Err(wrong_type(file, name, array.data_type(), "a list of strings"));
    };
    let strs = Strs::new(values.as_ref(), file, name)?;
    Ok((0..array.len())
        .map(|i| {
            if !array.is_valid(i) {
                return Vec::new();
            }
            let (a, b) = (
                offsets.get(i).copied().unwrap_or(0),
                offsets.get(i + 1).copied().unwrap_or(0),
            );
            (a..b).filter_map(|k| strs.get(k).map(str::to_string)).collect()
        })
        .collect())
}
