//! Whether a whole n-d array result fits in memory before it is computed to be printed.
//!
//! Rust stops the process when an allocation fails, so an array result too large to hold would
//! end in an abort half-way through. Printing a result needs its blocks, the whole array they
//! are assembled into and one JSON value per element; that is compared beforehand with the
//! memory this process may still use, and a result that does not fit is refused with advice.

use std::path::Path;

use blaze_array::Array;

/// Bytes needed to compute `array` whole and hold it as JSON values.
pub(crate) fn json_bytes(array: &Array) -> u64 {
    let elements = array.size() as u64;
    2 * array.nbytes() as u64 + elements * size_of::<serde_json::Value>() as u64
}

/// The memory this process may still use, as far as Linux tells: the least of the memory the
/// system has available, what is left of the address-space limit (`ulimit -v`) and what is left
/// of its cgroup's memory limit. `None` where none of them can be read.
pub(crate) fn available() -> Option<u64> {
    [system_available(), address_space_left(), cgroup_left()]
        .into_iter()
        .flatten()
        .min()
}

fn read(path: impl AsRef<Path>) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// `MemAvailable` of /proc/meminfo.
fn system_available() -> Option<u64> {
    kib_field(&read("/proc/meminfo")?, "MemAvailable:")
}

/// The soft address-space limit less the process's current size (`VmSize`).
fn address_space_left() -> Option<u64> {
    let limits = read("/proc/self/limits")?;
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max address space"))?;
    let soft: u64 = line
        .trim_start_matches("Max address space")
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    let size = kib_field(&read("/proc/self/status")?, "VmSize:")?;
    Some(soft.saturating_sub(size))
}

/// The cgroup (v2, or v1's memory controller) limit less its usage.
fn cgroup_left() -> Option<u64> {
    let groups = read("/proc/self/cgroup")?;
    for line in groups.lines() {
        let mut fields = line.splitn(3, ':');
        let (_, controllers, path) = (fields.next()?, fields.next()?, fields.next()?);
        let path = path.trim_start_matches('/');
        let (limit, usage) = match controllers {
            "" => (
                Path::new("/sys/fs/cgroup").join(path).join("memory.max"),
                Path::new("/sys/fs/cgroup")
                    .join(path)
                    .join("memory.current"),
            ),
            c if c.split(',').any(|c| c == "memory") => (
                Path::new("/sys/fs/cgroup/memory")
                    .join(path)
                    .join("memory.limit_in_bytes"),
                Path::new("/sys/fs/cgroup/memory")
                    .join(path)
                    .join("memory.usage_in_bytes"),
            ),
            _ => continue,
        };
        if let (Some(limit), Some(usage)) = (read(limit), read(usage))
            && let (Ok(limit), Ok(usage)) =
                (limit.trim().parse::<u64>(), usage.trim().parse::<u64>())
        {
            return Some(limit.saturating_sub(usage));
        }
    }
    None
}

/// The value of a `Name:   123 kB` line, in bytes.
fn kib_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    let kib: u64 = line[name.len()..].split_whitespace().next()?.parse().ok()?;
    Some(kib * 1024)
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
    fn kib_fields_are_read_in_bytes() {
        let status = "Name:\tblaze\nVmSize:\t  204800 kB\nVmRSS:\t 1024 kB\n";
        assert_eq!(kib_field(status, "VmSize:"), Some(200 << 20));
        assert_eq!(kib_field(status, "VmPeak:"), None);
    }

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
