//! Whether a whole n-d array result fits in memory before it is computed to be printed.
//!
//! Rust stops the process when an allocation fails, so an array result too large to hold would
//! end in an abort half-way through. Printing a result needs its blocks, the whole array they
//! are assembled into and one JSON value per element; that is compared beforehand with the
//! memory this process may still use, and a result that does not fit is refused with advice.

use blaze_array::Array;
use blaze_array::memory::available;

/// Bytes needed to compute `array` whole and hold it as JSON values.
pub(crate) fn json_bytes(array: &Array) -> u64 {
    let elements = array.size() as u64;
    2 * array.nbytes() as u64 + elements * size_of::<serde_json::Value>() as u64
}

/// Bytes in binary units for messages: `1.5 GiB`.
pub(crate) fn human(bytes: u64) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < units.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

/// An error if printing `array` as JSON would need more memory than `limit` (the user's
/// memory limit, if any) or than this process may still use.
pub fn check_printable(array: &Array, limit: Option<u64>) -> Result<(), String> {
    let needed = json_bytes(array);
    let Some(available) = [limit, available()].into_iter().flatten().min() else {
        return Ok(());
    };
    if needed <= available {
        return Ok(());
    }
    Err(format!(
        "the result ({}) needs about {} of memory to print, more than the {} available; store it block by block with --into (out.npy, out.zarr, out.h5::/x) or print part of it",
        array.datashape(),
        human(needed),
        human(available)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_print_in_binary_units() {
        assert_eq!(human(512), "512 bytes");
        assert_eq!(human(3 << 29), "1.5 GiB");
    }

    #[test]
    fn a_result_larger_than_the_limit_is_refused_before_it_is_computed() {
        let x = Array::zeros(&[1000, 1000], blaze_array::DType::Float64, 100).unwrap();
        let needed = json_bytes(&x);
        assert!(needed >= 2 * 8_000_000);
        assert!(check_printable(&x, Some(needed)).is_ok());
        let err = check_printable(&x, Some(needed / 2)).unwrap_err();
        assert!(
            err.starts_with("the result (1000 * 1000 * float64) needs about "),
            "{err}"
        );
        assert!(err.contains("store it block by block with --into"), "{err}");
    }
}
