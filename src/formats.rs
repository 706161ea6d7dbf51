//! The byte formats (rendered from `FORMATS.md` at the repository root).
#![doc = include_str!("../FORMATS.md")]

#[cfg(test)]
mod examples;
