//! The views of "Economies of Open Intelligence" (issue 3).

use crate::engine::Engine;
use crate::options::Options;
use crate::views::Report;
use crate::{Error, Result};

pub fn run(_engine: &Engine, view: &str, _options: &Options) -> Result<Report> {
    Err(Error::Compute(format!("view '{view}' is not implemented yet")))
}
