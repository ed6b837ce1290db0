//! Several keys, each with few values, numbered through an array indexed by their values'
//! numbers.
//!
//! Each key's distinct values are numbered on their own: an integer key's through an array
//! indexed by the value ([`Direct`]), a string key's, which must come as a dictionary, once
//! per value of the dictionary ([`Packed`]). A row's value numbers, side by side in the bits
//! of one index, then pick its group's slot in an array, with no hashing and no comparing of
//! keys. While every key has few values (`id1` and `id2` of 100 each: 14 bits, an array of
//! 16,384 slots) that is several times quicker than looking the packed keys up in a table.

use arrow::array::{ArrayRef, AsArray, Int64Array, UInt32Array};
use arrow::compute::{cast, take};
use arrow::datatypes::{DataType, Int32Type};
use datafusion::common::Result;
use std::sync::Arc;

use super::{Direct, Fits, MAX_PACKED, MIN_SLOTS, Packed, SPREAD};

/// The numbering of keys whose values are numbered each.
pub(super) struct Dense {
    /// The numbering of each key's values.
    keys: Vec<Values>,
    /// How many bits of a slot's index each key's value number takes, lowest first.
    bits: Vec<u32>,
    /// For each slot, the number plus one of the group whose value numbers index it (0: none).
    slots: Vec<u32>,
    /// The value numbers of each group, one per key, in group order.
    groups: Vec<u32>,
    /// The value numbers of each key in the rows of the batch being numbered.
    rows: Vec<Vec<usize>>,
}

/// How one key's values are numbered.
enum Values {
    /// Integers, through an array indexed by the value.
    Integers(Direct),
    /// Strings, which come as dictionaries, once per value of each dictionary.
    Strings(Packed),
}

impl Values {
    fn len(&self) -> usize {
        match self {
            Values::Integers(direct) => direct.keys.len(),
            Values::Strings(packed) => packed.len(),
        }
    }

    /// Each value, packed as [`Packed`] packs it, in the order of their numbers.
    fn packed(&self) -> Vec<u128> {
        match self {
            Values::Integers(direct) => direct.packed_keys(),
            Values::Strings(packed) => packed.keys.clone(),
        }
    }
}

impl Dense {
    /// Numbering of the keys of the types `key_types`, if they are two to four integers (of
    /// `i64`'s range) and strings.
    pub(super) fn new(key_types: &[DataType]) -> Option<Dense> {
        if !(2..=MAX_PACKED).contains(&key_types.len()) {
            return None;
        }
        let keys = (key_types.iter())
            .map(|key_type| match key_type {
                DataType::Utf8 | DataType::Utf8View => Some(Values::Strings(Packed::new(1))),
                t if t.is_integer() && t != &DataType::UInt64 => {
                    Some(Values::Integers(Direct::default()))
                }
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Dense {
            bits: vec![0; keys.len()],
            rows: vec![Vec::new(); keys.len()],
            keys,
            slots: vec![0],
            groups: Vec::new(),
        })
    }

    pub(super) fn len(&self) -> usize {
        self.groups.len() / self.keys.len()
    }

    pub(super) fn size(&self) -> usize {
        let values: usize = (self.keys.iter())
            .map(|values| match values {
                Values::Integers(direct) => direct.size(),
                Values::Strings(packed) => packed.size(),
            })
            .sum();
        values
            + (self.slots.capacity() + self.groups.capacity()) * size_of::<u32>()
            + self.rows.iter().map(Vec::capacity).sum::<usize>() * size_of::<usize>()
    }

    /// Numbers the rows of `columns`; [`Fits::No`] (no group made) if a string key does not
    /// come as a dictionary, or a key has too many values or too far apart.
    pub(super) fn intern(&mut self, columns: &[ArrayRef], groups: &mut Vec<usize>) -> Result<Fits> {
        let strings_are_dictionaries = (self.keys.iter().zip(columns)).all(|(values, column)| {
            matches!(values, Values::Integers(_))
                || column.as_dictionary_opt::<Int32Type>().is_some()
        });
        if !strings_are_dictionaries {
            return Ok(Fits::No);
        }
        for ((values, column), rows) in self.keys.iter_mut().zip(columns).zip(&mut self.rows) {
            let fits = match values {
                Values::Integers(direct) => direct.intern(column, rows)?,
                Values::Strings(packed) => packed.intern(std::slice::from_ref(column), rows)?,
            };
            if let Fits::No = fits {
                return Ok(Fits::No);
            }
        }
        if let Fits::No = self.make_room() {
            return Ok(Fits::No);
        }
        groups.clear();
        groups.reserve(columns.first().map_or(0, |c| c.len()));
        match self.keys.len() {
            2 => self.number::<2>(groups),
            3 => self.number::<3>(groups),
            4 => self.number::<4>(groups),
            width => unreachable!("{width} keys are not numbered densely"),
        }
        Ok(Fits::Yes)
    }

    /// Numbers the rows whose value numbers [`Dense::intern`] has found, `K` keys apiece.
    fn number<const K: usize>(&mut self, groups: &mut Vec<usize>) {
        let rows: [&[usize]; K] = std::array::from_fn(|key| self.rows[key].as_slice());
        let mut shifts = [0; K];
        for key in 1..K {
            shifts[key] = shifts[key - 1] + self.bits[key - 1];
        }
        for row in 0..rows[0].len() {
            let mut index = 0;
            for key in 0..K {
                index |= rows[key][row] << shifts[key];
            }
            let slot = &mut self.slots[index];
            if *slot == 0 {
                self.groups
                    .extend(rows.iter().map(|numbers| numbers[row] as u32));
                *slot = (self.groups.len() / K) as u32;
            }
            groups.push(*slot as usize - 1);
        }
    }

    /// Gives each key as many bits as its values' numbers need, laying the slots out again if
    /// that changes; [`Fits::No`] if the slots would be too many for the groups there are.
    fn make_room(&mut self) -> Fits {
        let bits: Vec<u32> = (self.keys.iter())
            .map(|values| values.len().next_power_of_two().trailing_zeros())
            .collect();
        if bits == self.bits {
            return Fits::Yes;
        }
        let total: u32 = bits.iter().sum();
        if total >= usize::BITS || 1 << total > MIN_SLOTS.max(SPREAD * self.len()) {
            return Fits::No;
        }
        self.bits = bits;
        self.slots = vec![0; 1 << total];
        let width = self.keys.len();
        for (group, numbers) in self.groups.chunks_exact(width).enumerate() {
            let (mut index, mut shift) = (0, 0);
            for (number, bits) in numbers.iter().zip(&self.bits) {
                index |= (*number as usize) << shift;
                shift += bits;
            }
            self.slots[index] = group as u32 + 1;
        }
        Fits::Yes
    }

    /// The groups' keys packed as [`Packed`] packs them, `width` apiece, in group order.
    pub(super) fn packed_keys(&self) -> Vec<u128> {
        let values: Vec<Vec<u128>> = self.keys.iter().map(Values::packed).collect();
        let width = self.keys.len();
        (self.groups.chunks_exact(width))
            .flat_map(|numbers| {
                (numbers.iter().zip(&values)).map(|(number, packed)| packed[*number as usize])
            })
            .collect()
    }

    /// The groups' keys, one array per key column, of the types `types`.
    pub(super) fn unpack(&mut self, types: &[DataType]) -> Result<Vec<ArrayRef>> {
        let width = self.keys.len();
        (self.keys.iter_mut().zip(types).enumerate())
            .map(|(key, (values, key_type))| {
                let distinct: ArrayRef = match values {
                    Values::Integers(direct) => cast(
                        &(Arc::new(Int64Array::from(std::mem::take(&mut direct.keys))) as ArrayRef),
                        key_type,
                    )?,
                    Values::Strings(packed) => {
                        packed.unpack(std::slice::from_ref(key_type))?.remove(0)
                    }
                };
                let numbers = self.groups.iter().skip(key).step_by(width).copied();
                Ok(take(
                    &distinct,
                    &UInt32Array::from_iter_values(numbers),
                    None,
                )?)
            })
            .collect()
    }
}
