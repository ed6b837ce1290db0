//! Loading JSON lines and JSON arrays into Arrow record batches with arrow-json, in strict mode
//! so a field the datashape does not name is an error rather than silently dropped.

use std::io::{BufReader, Read};

use arrow::datatypes::SchemaRef;

use crate::error::Result;

/// Batches decoded from a stream of JSON values (one record per value).
pub(crate) fn batches(
    input: Box<dyn Read + Send>,
    schema: SchemaRef,
    batch_rows: usize,
    array: bool,
) -> Result<arrow::json::Reader<BufReader<Box<dyn Read + Send>>>, arrow::error::ArrowError> {
    let input: Box<dyn Read + Send> = if array {
        Box::new(ArrayElements::new(input))
    } else {
        input
    };
    arrow::json::ReaderBuilder::new(schema)
        .with_batch_size(batch_rows)
        .with_strict_mode(true)
        .build(BufReader::with_capacity(1 << 16, input))
}

/// Turns one JSON array `[a, b, c]` into the value stream `a  b  c` by blanking the outer
/// brackets and the commas between elements, as bytes stream through. Anything other than a
/// top-level array passes unchanged (a single object is a single record).
struct ArrayElements<R> {
    inner: R,
    depth: u32,
    in_string: bool,
    escaped: bool,
}

impl<R> ArrayElements<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            depth: 0,
            in_string: false,
            escaped: false,
        }
    }
}

impl<R: Read> Read for ArrayElements<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for b in &mut buf[..n] {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if *b == b'\\' {
                    self.escaped = true;
                } else if *b == b'"' {
                    self.in_string = false;
                }
                continue;
            }
            match *b {
                b'"' => self.in_string = true,
                b'[' | b'{' => {
                    self.depth += 1;
                    if self.depth == 1 && *b == b'[' {
                        *b = b' ';
                    }
                }
                b']' | b'}' => {
                    if self.depth == 1 && *b == b']' {
                        *b = b' ';
                    }
                    self.depth = self.depth.saturating_sub(1);
                }
                b',' if self.depth == 1 => *b = b' ',
                _ => {}
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_elements_become_a_value_stream() {
        let mut out = String::new();
        ArrayElements::new(&br#"[{"a": [1, 2], "b": "x,]\"["}, {"a": []}]"#[..])
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, r#" {"a": [1, 2], "b": "x,]\"["}  {"a": []} "#);
    }
}
