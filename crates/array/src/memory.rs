//! How much memory this process may use, as far as Linux tells: to refuse a result too large to
//! print before computing it, and to know whether a stored array can stay in the page cache.

use std::path::Path;

/// The memory this process may still use: the least of the memory the system has available,
/// what is left of the address-space limit (`ulimit -v`) and what is left of its cgroup's memory
/// limit. `None` where none of them can be read.
pub fn available() -> Option<u64> {
    [
        system_available(),
        address_space_left(),
        cgroup().map(|(limit, usage)| limit.saturating_sub(usage)),
    ]
    .into_iter()
    .flatten()
    .min()
}

/// The memory that files read by this process can be cached in: the system's memory, or its
/// cgroup's limit if that is less (a cgroup's page cache counts against its limit).
pub fn for_page_cache() -> Option<u64> {
    [system_total(), cgroup().map(|(limit, _)| limit)]
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

/// `MemTotal` of /proc/meminfo.
fn system_total() -> Option<u64> {
    kib_field(&read("/proc/meminfo")?, "MemTotal:")
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

/// The memory limit and usage of this process's cgroup (v2, or v1's memory controller), when it
/// has a limit.
fn cgroup() -> Option<(u64, u64)> {
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
        // v2 writes "max" for no limit, which does not parse.
        if let (Some(limit), Some(usage)) = (read(limit), read(usage))
            && let (Ok(limit), Ok(usage)) =
                (limit.trim().parse::<u64>(), usage.trim().parse::<u64>())
        {
            return Some((limit, usage));
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
    fn the_page_cache_has_no_more_than_the_memory_there_is() {
        // On Linux both are read; the cache's share is at most the system's memory.
        let total = system_total().unwrap();
        assert!(for_page_cache().unwrap() <= total);
        assert!(available().unwrap() <= total);
    }
}
