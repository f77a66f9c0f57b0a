//! (issue 3/4: being written)
