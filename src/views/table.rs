//! The result of a view: typed columns, written as CSV, JSON or Arrow IPC.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
#[cfg(feature = "ipc-write")]
use arrow_ipc::writer::StreamWriter;
use arrow_schema::{DataType, Field, Schema};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::Result;

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ColumnData {
    Str(Vec<Option<String>>),
    F64(Vec<Option<f64>>),
    I64(Vec<Option<i64>>),
}

impl ColumnData {
    pub fn len(&self) -> usize {
        match self {
            ColumnData::Str(v) => v.len(),
            ColumnData::F64(v) => v.len(),
            ColumnData::I64(v) => v.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn json(&self, row: usize) -> Value {
        match self {
            ColumnData::Str(v) => v[row].clone().map(Value::String).unwrap_or(Value::Null),
            ColumnData::F64(v) => v[row]
                .filter(|x| x.is_finite())
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            ColumnData::I64(v) => v[row].map(|x| Value::Number(x.into())).unwrap_or(Value::Null),
        }
    }
    fn csv(&self, row: usize) -> String {
        match self {
            ColumnData::Str(v) => v[row].as_deref().map(csv_escape).unwrap_or_default(),
            // `{}` prints the shortest text that reads back as the same f64.
            ColumnData::F64(v) => v[row]
                .filter(|x| x.is_finite())
                .map(|x| format!("{x}"))
                .unwrap_or_default(),
            ColumnData::I64(v) => v[row].map(|x| x.to_string()).unwrap_or_default(),
        }
    }
}

fn csv_escape(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Column {
    pub name: String,
    pub data: ColumnData,
}

/// Named, typed columns of equal length. Missing values are `None` (never NaN).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
}

impl Table {
    pub fn new(name: &str) -> Self {
        Table {
            name: name.to_string(),
            columns: Vec::new(),
        }
    }
    pub fn rows(&self) -> usize {
        self.columns.first().map(|c| c.data.len()).unwrap_or(0)
    }
    pub fn push(&mut self, name: &str, data: ColumnData) -> &mut Self {
        self.columns.push(Column {
            name: name.to_string(),
            data,
        });
        self
    }
    pub fn push_str(&mut self, name: &str, v: Vec<Option<String>>) -> &mut Self {
        self.push(name, ColumnData::Str(v))
    }
    /// NaN and infinities become `None`.
    pub fn push_f64(&mut self, name: &str, v: Vec<Option<f64>>) -> &mut Self {
        let v = v.into_iter().map(|x| x.filter(|x| x.is_finite())).collect();
        self.push(name, ColumnData::F64(v))
    }
    pub fn push_i64(&mut self, name: &str, v: Vec<Option<i64>>) -> &mut Self {
        self.push(name, ColumnData::I64(v))
    }
    pub fn column(&self, name: &str) -> Option<&ColumnData> {
        self.columns.iter().find(|c| c.name == name).map(|c| &c.data)
    }

    /// CSV with a header row, `\n` line ends, empty fields for missing values.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        let header: Vec<String> = self.columns.iter().map(|c| csv_escape(&c.name)).collect();
        out.push_str(&header.join(","));
        out.push('\n');
        for row in 0..self.rows() {
            let fields: Vec<String> = self.columns.iter().map(|c| c.data.csv(row)).collect();
            out.push_str(&fields.join(","));
            out.push('\n');
        }
        out
    }

    /// An array of row objects.
    pub fn to_json_rows(&self) -> Value {
        Value::Array(
            (0..self.rows())
                .map(|row| {
                    let mut m = Map::new();
                    for c in &self.columns {
                        m.insert(c.name.clone(), c.data.json(row));
                    }
                    Value::Object(m)
                })
                .collect(),
        )
    }

    pub fn to_record_batch(&self) -> Result<RecordBatch> {
        let mut fields = Vec::new();
        let mut arrays: Vec<ArrayRef> = Vec::new();
        for c in &self.columns {
            let (dt, a): (DataType, ArrayRef) = match &c.data {
                ColumnData::Str(v) => (
                    DataType::Utf8,
                    Arc::new(v.iter().map(|s| s.as_deref()).collect::<StringArray>()),
                ),
                ColumnData::F64(v) => (
                    DataType::Float64,
                    Arc::new(v.iter().copied().collect::<Float64Array>()),
                ),
                ColumnData::I64(v) => (
                    DataType::Int64,
                    Arc::new(v.iter().copied().collect::<Int64Array>()),
                ),
            };
            fields.push(Field::new(&c.name, dt, true));
            arrays.push(a);
        }
        Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?)
    }

    /// Arrow IPC stream bytes (uncompressed: the result is read once, in memory).
    #[cfg(feature = "ipc-write")]
    pub fn to_arrow_ipc(&self) -> Result<Vec<u8>> {
        let batch = self.to_record_batch()?;
        let mut buf = Vec::new();
        {
            let mut w = StreamWriter::try_new(&mut buf, &batch.schema())?;
            w.write(&batch)?;
            w.finish()?;
        }
        Ok(buf)
    }
}

/// A view's answer: the main table first, then any further tables a chart needs, and notes (what
/// was excluded, estimated or repaired) to show beside it.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Report {
    pub view: String,
    pub tables: Vec<Table>,
    pub notes: Vec<String>,
}

impl Report {
    pub fn new(view: &str, main: Table) -> Self {
        Report {
            view: view.to_string(),
            tables: vec![main],
            notes: Vec::new(),
        }
    }
    pub fn with(mut self, table: Table) -> Self {
        self.tables.push(table);
        self
    }
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
    pub fn main(&self) -> &Table {
        &self.tables[0]
    }
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }
    /// `{"view", "columns", "rows", "tables": {name: rows}, "notes"}`; `rows` is the main table.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("view".into(), Value::String(self.view.clone()));
        let main = self.main();
        m.insert(
            "columns".into(),
            Value::Array(
                main.columns
                    .iter()
                    .map(|c| Value::String(c.name.clone()))
                    .collect(),
            ),
        );
        m.insert("rows".into(), main.to_json_rows());
        let mut extra = Map::new();
        for t in &self.tables[1..] {
            extra.insert(t.name.clone(), t.to_json_rows());
        }
        m.insert("tables".into(), Value::Object(extra));
        m.insert(
            "notes".into(),
            Value::Array(self.notes.iter().cloned().map(Value::String).collect()),
        );
        Value::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_escapes_and_leaves_nulls_empty() {
        let mut t = Table::new("t");
        t.push_str("key", vec![Some("a,b".into()), None]);
        t.push_f64("share", vec![Some(0.1), Some(f64::NAN)]);
        t.push_i64("n", vec![Some(3), None]);
        assert_eq!(t.to_csv(), "key,share,n\n\"a,b\",0.1,3\n,,\n");
        let j = t.to_json_rows();
        assert_eq!(j[1]["share"], Value::Null);
        assert_eq!(j[0]["n"], Value::from(3));
    }

    #[test]
    #[cfg(feature = "ipc-write")]
    fn arrow_round_trip_keeps_rows() {
        let mut t = Table::new("t");
        t.push_f64("x", vec![Some(1.5), None]);
        let bytes = t.to_arrow_ipc().unwrap();
        let mut r = arrow_ipc::reader::StreamReader::try_new(std::io::Cursor::new(bytes), None).unwrap();
        let b = r.next().unwrap().unwrap();
        assert_eq!(b.num_rows(), 2);
    }
}
