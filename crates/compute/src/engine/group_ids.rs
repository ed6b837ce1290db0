//! Numbers the groups of rows by their keys, as first seen, for [`super::top_per_group`].
//!
//! DataFusion's [`GroupValues`] hashes every key, and looking each up in a table of many
//! groups is a cache miss per row. A single integer key whose values span a range not much
//! larger than the number of groups (ids, codes, years) is instead looked up directly in an
//! array indexed by the value, a quarter of the memory of the hash table. Keys that spread
//! out too far, or other keys, are numbered by [`GroupValues`], which takes over the groups
//! numbered so far (in their order, so that the numbers stay the same).

use arrow::array::{ArrayRef, AsArray, Int64Array};
use arrow::compute::{cast, max, min};
use arrow::datatypes::{DataType, Field, Int64Type, Schema};
use datafusion::common::Result;
use datafusion::physical_plan::aggregates::group_values::{GroupValues, new_group_values};
use datafusion::physical_plan::aggregates::order::GroupOrdering;
use std::sync::Arc;

/// The group number of each distinct key.
pub(crate) enum GroupIds {
    /// One integer key, numbered through an array indexed by the value.
    Direct(Direct),
    /// Any keys, numbered by DataFusion's hash table.
    Hashed(Box<dyn GroupValues>),
}

/// Direct lookup of one integer key (of `key_type`, read as `i64`).
pub(crate) struct Direct {
    key_type: DataType,
    /// The value `slots[0]` stands for.
    base: i64,
    /// For each value from `base` on, its group's number plus one (0: not seen).
    slots: Vec<u32>,
    /// The distinct values in the order first seen (`None`: the missing key).
    keys: Vec<Option<i64>>,
    /// The group of rows whose key is missing.
    null_group: Option<usize>,
}

/// Values may span this many slots (4 MiB) whatever the number of groups, and up to
/// [`SPREAD`] times the number of groups beyond it.
const MIN_SLOTS: usize = 1 << 20;
const SPREAD: usize = 8;

impl GroupIds {
    /// Numbering for keys of the types `key_types`.
    pub(crate) fn new(key_types: &[DataType]) -> Result<GroupIds> {
        // Integers that fit in `i64` (not `UInt64`).
        if let [key_type] = key_types
            && key_type.is_integer()
            && key_type != &DataType::UInt64
        {
            return Ok(GroupIds::Direct(Direct {
                key_type: key_type.clone(),
                base: 0,
                slots: Vec::new(),
                keys: Vec::new(),
                null_group: None,
            }));
        }
        Ok(GroupIds::Hashed(hashed(key_types)?))
    }

    /// The group of each row of `columns` (the keys), numbering new keys as they come.
    pub(crate) fn intern(&mut self, columns: &[ArrayRef], groups: &mut Vec<usize>) -> Result<()> {
        if let GroupIds::Direct(direct) = self {
            let keys = cast(&columns[0], &DataType::Int64)?;
            match direct.intern(keys.as_primitive::<Int64Type>(), groups) {
                Ok(()) => return Ok(()),
                // Spread too far: the hash table takes over, these rows included.
                Err(()) => *self = GroupIds::Hashed(direct.to_hashed()?),
            }
        }
        match self {
            GroupIds::Hashed(values) => values.intern(columns, groups),
            GroupIds::Direct(_) => unreachable!("replaced above"),
        }
    }

    /// How many groups there are.
    pub(crate) fn len(&self) -> usize {
        match self {
            GroupIds::Direct(direct) => direct.keys.len(),
            GroupIds::Hashed(values) => values.len(),
        }
    }

    /// The bytes held.
    pub(crate) fn size(&self) -> usize {
        match self {
            GroupIds::Direct(direct) => {
                direct.slots.capacity() * size_of::<u32>()
                    + direct.keys.capacity() * size_of::<Option<i64>>()
            }
            GroupIds::Hashed(values) => values.size(),
        }
    }
}

fn hashed(key_types: &[DataType]) -> Result<Box<dyn GroupValues>> {
    let fields: Vec<Field> = key_types
        .iter()
        .enumerate()
        .map(|(i, t)| Field::new(format!("key{i}"), t.clone(), true))
        .collect();
    new_group_values(Arc::new(Schema::new(fields)), &GroupOrdering::None)
}

impl Direct {
    /// Numbers the rows of `keys`; `Err` (nothing numbered) if they spread too far.
    fn intern(&mut self, keys: &Int64Array, groups: &mut Vec<usize>) -> Result<(), ()> {
        if self.keys.len() + keys.len() >= u32::MAX as usize {
            return Err(());
        }
        if let (Some(low), Some(high)) = (min(keys), max(keys)) {
            self.cover(low, high)?;
        }
        groups.clear();
        groups.reserve(keys.len());
        for key in keys {
            let group = match key {
                Some(value) => {
                    // `cover` made every value of the batch a slot.
                    let slot = &mut self.slots[value.abs_diff(self.base) as usize];
                    if *slot == 0 {
                        self.keys.push(Some(value));
                        *slot = self.keys.len() as u32;
                    }
                    *slot as usize - 1
                }
                None => *self.null_group.get_or_insert_with(|| {
                    self.keys.push(None);
                    self.keys.len() - 1
                }),
            };
            groups.push(group);
        }
        Ok(())
    }

    /// Makes room for the values `low..=high`, keeping the groups numbered; `Err` if the
    /// values would span too many slots for the groups there are.
    fn cover(&mut self, low: i64, high: i64) -> Result<(), ()> {
        let have = i128::from(self.base)..i128::from(self.base) + self.slots.len() as i128;
        let (mut low, mut end) = (i128::from(low), i128::from(high) + 1);
        if !self.slots.is_empty() {
            if low >= have.start && end <= have.end {
                return Ok(());
            }
            (low, end) = (low.min(have.start), end.max(have.end));
        }
        let span = end - low;
        let limit = MIN_SLOTS.max(SPREAD * self.keys.len()) as i128;
        if span > limit {
            return Err(());
        }
        // Room to grow at both ends, so that values a little beyond these do not copy the
        // slots again.
        let pad = (span / 2).min((limit - span) / 2);
        let low = (low - pad).max(i128::from(i64::MIN));
        let end = (end + pad).min(i128::from(i64::MAX) + 1);
        let mut slots = vec![0; (end - low) as usize];
        if !self.slots.is_empty() {
            let at = (have.start - low) as usize;
            slots[at..at + self.slots.len()].copy_from_slice(&self.slots);
        }
        self.base = low as i64;
        self.slots = slots;
        Ok(())
    }

    /// The hash table numbering the same groups the same way.
    fn to_hashed(&self) -> Result<Box<dyn GroupValues>> {
        let mut values = hashed(std::slice::from_ref(&self.key_type))?;
        if !self.keys.is_empty() {
            let keys: ArrayRef = Arc::new(Int64Array::from(self.keys.clone()));
            let keys = cast(&keys, &self.key_type)?;
            values.intern(&[keys], &mut Vec::new())?;
        }
        Ok(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int32Array, StringArray};

    fn ids(groups: &mut GroupIds, keys: Vec<Option<i32>>) -> Vec<usize> {
        let mut out = Vec::new();
        groups
            .intern(&[Arc::new(Int32Array::from(keys))], &mut out)
            .unwrap();
        out
    }

    #[test]
    fn integer_keys_are_numbered_as_first_seen_directly() {
        let mut groups = GroupIds::new(&[DataType::Int32]).unwrap();
        assert_eq!(
            ids(&mut groups, vec![Some(5), Some(3), Some(5), None, Some(-2)]),
            [0, 1, 0, 2, 3]
        );
        // Values below and above the range so far move it, keeping the numbers.
        assert_eq!(
            ids(
                &mut groups,
                vec![Some(-40_000), Some(3), None, Some(40_000)]
            ),
            [4, 1, 2, 5]
        );
        assert!(matches!(groups, GroupIds::Direct(_)));
        assert_eq!(groups.len(), 6);
    }

    #[test]
    fn keys_spread_far_apart_go_to_the_hash_table_with_the_same_numbers() {
        let mut groups = GroupIds::new(&[DataType::Int32]).unwrap();
        assert_eq!(ids(&mut groups, vec![Some(7), None, Some(1)]), [0, 1, 2]);
        assert_eq!(
            ids(
                &mut groups,
                vec![Some(i32::MAX), Some(1), Some(i32::MIN), None, Some(7)]
            ),
            [3, 2, 4, 1, 0]
        );
        assert!(matches!(groups, GroupIds::Hashed(_)));
        assert_eq!(ids(&mut groups, vec![Some(7), Some(8)]), [0, 5]);
        assert_eq!(groups.len(), 6);
    }

    #[test]
    fn other_keys_are_hashed() {
        let mut groups = GroupIds::new(&[DataType::Utf8]).unwrap();
        assert!(matches!(groups, GroupIds::Hashed(_)));
        let mut out = Vec::new();
        let keys: ArrayRef = Arc::new(StringArray::from(vec!["b", "a", "b"]));
        groups.intern(&[keys], &mut out).unwrap();
        assert_eq!(out, [0, 1, 0]);
    }
}
