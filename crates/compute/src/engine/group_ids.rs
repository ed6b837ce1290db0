//! Numbers the groups of rows by their keys, as first seen, for [`super::top_per_group`] and
//! [`super::partial_aggregate`].
//!
//! DataFusion's [`GroupValues`] hashes every key through code for any type, and looking each
//! up in a table of many groups is a cache miss per row. Keys of the commonest kinds are
//! numbered more directly:
//! - a single integer key whose values span a range not much larger than the number of groups
//!   (ids, codes, years) is looked up in an array indexed by the value ([`Direct`]);
//! - two to [`MAX_PACKED`] integer keys and dictionary-coded string keys, each of few values,
//!   are numbered through an array indexed by their values' numbers ([`dense::Dense`]);
//! - up to [`MAX_PACKED`] keys that are integers or short strings (at most 12 bytes, which a
//!   string view holds whole in its 16 bytes) are each packed into a `u128` (a string as its
//!   view), and the packed keys looked up in an open-addressed table of their own ([`Packed`]).
//!
//! When the keys stop fitting (integers spread too far apart, a longer string), the next way
//! takes over the groups numbered so far, in their order, so that the numbers stay the same.
//!
//! A string key may also come as a dictionary (Arrow's `Dictionary(Int32, Utf8)`, as
//! [`super::dictionary_scan`] reads it from Parquet) while its type stays a string's: the
//! dictionary's values are packed once for all the batches that share it, each row costs a
//! look-up of its code, and a lone key's rows take the group their code was given.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, DictionaryArray, Int64Array, StringViewArray, UInt64Array,
};
use arrow::buffer::{NullBuffer, ScalarBuffer};
use arrow::compute::{cast, max, min};
use arrow::datatypes::{DataType, Field, Int32Type, Int64Type, Schema, UInt64Type};
use datafusion::common::Result;
use datafusion::logical_expr::EmitTo;
use datafusion::physical_plan::aggregates::group_values::{GroupValues, new_group_values};
use datafusion::physical_plan::aggregates::order::GroupOrdering;

mod dense;
use dense::Dense;

/// The group number of each distinct key.
pub(crate) struct GroupIds {
    /// The keys' types.
    types: Vec<DataType>,
    by: By,
}

/// How the groups are numbered.
enum By {
    /// One integer key, numbered through an array indexed by the value.
    Direct(Direct),
    /// Several integer and dictionary keys, numbered through an array indexed by their
    /// values' numbers.
    Dense(Dense),
    /// Integer and short string keys, packed and numbered by a table of their own.
    Packed(Packed),
    /// Any keys, numbered by DataFusion's hash table.
    Hashed(Box<dyn GroupValues>),
}

impl GroupIds {
    /// Numbering for keys of the types `key_types`.
    pub(crate) fn new(key_types: &[DataType]) -> Result<GroupIds> {
        // Integers that fit in `i64` (not `UInt64`) are numbered directly.
        let by = if let [key_type] = key_types
            && key_type.is_integer()
            && key_type != &DataType::UInt64
        {
            By::Direct(Direct::default())
        } else if let Some(dense) = Dense::new(key_types) {
            By::Dense(dense)
        } else if packs(key_types) {
            By::Packed(Packed::new(key_types.len()))
        } else {
            By::Hashed(hashed(key_types)?)
        };
        Ok(GroupIds {
            types: key_types.to_vec(),
            by,
        })
    }

    /// Whether keys of these types are numbered more quickly than by DataFusion's hash table
    /// (until a string longer than 12 bytes comes, when they are handed over to it).
    pub(crate) fn numbers_quickly(key_types: &[DataType]) -> bool {
        packs(key_types)
    }

    /// The group of each row of `columns` (the keys, each of its type or, for a string, a
    /// dictionary of strings with `Int32` codes), numbering new keys as they come.
    pub(crate) fn intern(&mut self, columns: &[ArrayRef], groups: &mut Vec<usize>) -> Result<()> {
        if let By::Direct(direct) = &mut self.by {
            match direct.intern(&columns[0], groups)? {
                Fits::Yes => return Ok(()),
                // Spread too far: packed keys take over, these rows included.
                Fits::No => self.by = By::Packed(Packed::from_keys(1, direct.packed_keys())),
            }
        }
        if let By::Dense(dense) = &mut self.by {
            match dense.intern(columns, groups)? {
                Fits::Yes => return Ok(()),
                // Strings not as dictionaries, or values too many: packed keys take over.
                Fits::No => {
                    let keys = dense.packed_keys();
                    self.by = By::Packed(Packed::from_keys(self.types.len(), keys));
                }
            }
        }
        if let By::Packed(packed) = &mut self.by {
            match packed.intern(columns, groups)? {
                Fits::Yes => return Ok(()),
                Fits::No => {
                    let mut values = hashed(&self.types)?;
                    if !packed.is_empty() {
                        values.intern(&packed.unpack(&self.types)?, &mut Vec::new())?;
                    }
                    self.by = By::Hashed(values);
                }
            }
        }
        let By::Hashed(values) = &mut self.by else {
            unreachable!("replaced above")
        };
        // DataFusion's table takes keys of their own types only.
        let columns = (columns.iter().zip(&self.types))
            .map(|(column, key_type)| match column.data_type() == key_type {
                true => Ok(Arc::clone(column)),
                false => cast(column, key_type),
            })
            .collect::<Result<Vec<_>, _>>()?;
        values.intern(&columns, groups)
    }

    /// How many groups there are.
    pub(crate) fn len(&self) -> usize {
        match &self.by {
            By::Direct(direct) => direct.keys.len(),
            By::Dense(dense) => dense.len(),
            By::Packed(packed) => packed.len(),
            By::Hashed(values) => values.len(),
        }
    }

    /// The bytes held.
    pub(crate) fn size(&self) -> usize {
        match &self.by {
            By::Direct(direct) => direct.size(),
            By::Dense(dense) => dense.size(),
            By::Packed(packed) => packed.size(),
            By::Hashed(values) => values.size(),
        }
    }

    /// The keys of every group in the order of their numbers, one array per key column; the
    /// numbering then starts again with no groups.
    pub(crate) fn emit(&mut self) -> Result<Vec<ArrayRef>> {
        let keys = match &mut self.by {
            By::Direct(direct) => {
                let keys: ArrayRef = Arc::new(Int64Array::from(std::mem::take(&mut direct.keys)));
                vec![cast(&keys, &self.types[0])?]
            }
            By::Dense(dense) => dense.unpack(&self.types)?,
            By::Packed(packed) => packed.unpack(&self.types)?,
            By::Hashed(values) => values.emit(EmitTo::All)?,
        };
        *self = GroupIds::new(&self.types)?;
        Ok(keys)
    }
}

/// Whether a batch's keys could be numbered the way tried.
enum Fits {
    Yes,
    No,
}

fn hashed(key_types: &[DataType]) -> Result<Box<dyn GroupValues>> {
    let fields: Vec<Field> = key_types
        .iter()
        .enumerate()
        .map(|(i, t)| Field::new(format!("key{i}"), t.clone(), true))
        .collect();
    new_group_values(Arc::new(Schema::new(fields)), &GroupOrdering::None)
}

/// Direct lookup of one integer key (read as `i64`).
#[derive(Default)]
struct Direct {
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

impl Direct {
    /// Numbers the rows of `column`; [`Fits::No`] (nothing numbered) if they spread too far.
    fn intern(&mut self, column: &ArrayRef, groups: &mut Vec<usize>) -> Result<Fits> {
        let keys = cast(column, &DataType::Int64)?;
        let keys = keys.as_primitive::<Int64Type>();
        if self.keys.len() + keys.len() >= u32::MAX as usize {
            return Ok(Fits::No);
        }
        if let (Some(low), Some(high)) = (min(keys), max(keys))
            && let Fits::No = self.cover(low, high)
        {
            return Ok(Fits::No);
        }
        groups.clear();
        groups.reserve(keys.len());
        let values = keys.values().iter();
        match keys.nulls().filter(|nulls| nulls.null_count() > 0) {
            None => groups.extend(values.map(|value| self.group_of(*value))),
            Some(nulls) => {
                for (value, valid) in values.zip(nulls.iter()) {
                    let group = if valid {
                        self.group_of(*value)
                    } else {
                        *self.null_group.get_or_insert_with(|| {
                            self.keys.push(None);
                            self.keys.len() - 1
                        })
                    };
                    groups.push(group);
                }
            }
        }
        Ok(Fits::Yes)
    }

    /// The group of `value`, numbered anew if it is new; [`Direct::cover`] has made it a slot.
    #[inline]
    fn group_of(&mut self, value: i64) -> usize {
        let slot = &mut self.slots[value.abs_diff(self.base) as usize];
        if *slot == 0 {
            self.keys.push(Some(value));
            *slot = self.keys.len() as u32;
        }
        *slot as usize - 1
    }

    /// Makes room for the values `low..=high`, keeping the groups numbered; [`Fits::No`] if
    /// the values would span too many slots for the groups there are.
    fn cover(&mut self, low: i64, high: i64) -> Fits {
        let have = i128::from(self.base)..i128::from(self.base) + self.slots.len() as i128;
        let (mut low, mut end) = (i128::from(low), i128::from(high) + 1);
        if !self.slots.is_empty() {
            if low >= have.start && end <= have.end {
                return Fits::Yes;
            }
            (low, end) = (low.min(have.start), end.max(have.end));
        }
        let span = end - low;
        let limit = MIN_SLOTS.max(SPREAD * self.keys.len()) as i128;
        if span > limit {
            return Fits::No;
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
        Fits::Yes
    }

    fn size(&self) -> usize {
        self.slots.capacity() * size_of::<u32>() + self.keys.capacity() * size_of::<Option<i64>>()
    }

    /// The groups' keys packed as [`Packed`] packs them, in group order.
    fn packed_keys(&self) -> Vec<u128> {
        let pack = |key: &Option<i64>| key.map_or(MISSING, |value| u128::from(value as u64));
        self.keys.iter().map(pack).collect()
    }
}

/// At most this many keys are packed.
pub(crate) const MAX_PACKED: usize = 4;

/// A missing key, packed: no integer's or short string's packed form.
const MISSING: u128 = u128::MAX;

/// The longest string a string view holds whole.
const INLINE_LEN: u32 = 12;

/// Whether keys of these types may be packed: integers and strings.
fn packs(key_types: &[DataType]) -> bool {
    (1..=MAX_PACKED).contains(&key_types.len())
        && key_types
            .iter()
            .all(|t| t.is_integer() || matches!(t, DataType::Utf8View | DataType::Utf8))
}

/// The packed keys' table has this many slots per group at least: few enough groups share a
/// slot that the first looked at is nearly always the key's.
const SLOTS_PER_GROUP: usize = 4;

/// Keys packed each into a `u128`, numbered by an open-addressed table.
///
/// An integer is packed as its 64 bits (zero above), a string of at most 12 bytes as its view
/// (its length in the low 32 bits, then its bytes, then zeros: the same string, the same
/// view), and a missing key as [`MISSING`].
struct Packed {
    /// How many keys a group has.
    width: usize,
    /// For each slot of the table, the number plus one of the group whose keys hash there
    /// (0: empty). Its length is a power of two, at least [`SLOTS_PER_GROUP`] times the number
    /// of groups.
    slots: Vec<u32>,
    /// The packed keys of each group, `width` apiece, in group order.
    keys: Vec<u128>,
    /// The packed keys of each row of the batch being numbered, `width` apiece.
    rows: Vec<u128>,
    /// For each key, the last dictionary its strings came in, packed.
    dictionaries: Vec<Option<Dictionary>>,
}

/// The values of a dictionary, packed, for as long as batches share them.
struct Dictionary {
    /// The values (held, so that no others take their place in memory and pass for them).
    values: ArrayRef,
    /// Each value packed.
    packed: Vec<u128>,
    /// When the key is the only one: the group number plus one of each value (0: not met yet;
    /// a value is numbered when a row has it, so that no group is made for a value no row has).
    groups: Vec<u32>,
}

impl Dictionary {
    /// The packed values of `dictionary`'s, reusing `kept` if it holds the same values;
    /// `None` if a value does not pack.
    fn of<'a>(
        kept: &'a mut Option<Dictionary>,
        dictionary: &DictionaryArray<Int32Type>,
    ) -> Result<Option<&'a mut Dictionary>> {
        let values = dictionary.values();
        let same = kept
            .as_ref()
            .is_some_and(|k| k.values.to_data().ptr_eq(&values.to_data()));
        if !same {
            let mut packed = vec![0; values.len()];
            if let Fits::No = pack(values, 1, 0, &mut packed, &mut None)? {
                *kept = None;
                return Ok(None);
            }
            *kept = Some(Dictionary {
                values: Arc::clone(values),
                groups: vec![0; packed.len()],
                packed,
            });
        }
        Ok(kept.as_mut())
    }

    fn size(&self) -> usize {
        self.packed.capacity() * size_of::<u128>() + self.groups.capacity() * size_of::<u32>()
    }
}

impl Packed {
    fn new(width: usize) -> Packed {
        Packed {
            width,
            slots: vec![0; 64],
            keys: Vec::new(),
            rows: Vec::new(),
            dictionaries: (0..width).map(|_| None).collect(),
        }
    }

    /// Numbering of the groups whose packed keys are `keys`, in that order.
    fn from_keys(width: usize, keys: Vec<u128>) -> Packed {
        let mut packed = Packed::new(width);
        packed.keys = keys;
        packed.rehash();
        packed
    }

    fn len(&self) -> usize {
        self.keys.len() / self.width
    }

    fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn size(&self) -> usize {
        self.slots.capacity() * size_of::<u32>()
            + (self.keys.capacity() + self.rows.capacity()) * size_of::<u128>()
            + (self.dictionaries.iter().flatten())
                .map(Dictionary::size)
                .sum::<usize>()
    }

    /// Numbers the rows of `columns`; [`Fits::No`] (nothing numbered) if a key does not pack.
    fn intern(&mut self, columns: &[ArrayRef], groups: &mut Vec<usize>) -> Result<Fits> {
        let rows = columns.first().map_or(0, |c| c.len());
        if self.len() + rows >= u32::MAX as usize {
            return Ok(Fits::No);
        }
        if let [column] = columns
            && let Some(dictionary) = column.as_dictionary_opt::<Int32Type>()
        {
            return self.number_codes(dictionary, groups);
        }
        self.rows.clear();
        self.rows.resize(rows * self.width, 0);
        for (at, (column, kept)) in columns.iter().zip(&mut self.dictionaries).enumerate() {
            if let Fits::No = pack(column, self.width, at, &mut self.rows, kept)? {
                return Ok(Fits::No);
            }
        }
        groups.clear();
        groups.reserve(rows);
        match self.width {
            1 => self.number::<1>(groups),
            2 => self.number::<2>(groups),
            3 => self.number::<3>(groups),
            4 => self.number::<4>(groups),
            width => unreachable!("{width} keys are not packed"),
        }
        Ok(Fits::Yes)
    }

    /// Numbers the packed rows, `K` keys apiece.
    fn number<const K: usize>(&mut self, groups: &mut Vec<usize>) {
        let rows = std::mem::take(&mut self.rows);
        groups.extend(rows.as_chunks::<K>().0.iter().map(|key| self.group_of(key)));
        self.rows = rows;
    }

    /// The group of the packed keys `key`, numbered anew if they are new.
    #[inline]
    fn group_of<const K: usize>(&mut self, key: &[u128; K]) -> usize {
        let mask = self.slots.len() - 1;
        let mut slot = hash(key) & mask;
        loop {
            match self.slots[slot] {
                0 => {
                    self.keys.extend_from_slice(key);
                    let group = self.keys.len() / K;
                    self.slots[slot] = group as u32;
                    if group * SLOTS_PER_GROUP > self.slots.len() {
                        self.grow();
                    }
                    return group - 1;
                }
                number => {
                    let group = number as usize - 1;
                    if self.keys[group * K..][..K] == key[..] {
                        return group;
                    }
                }
            }
            slot = (slot + 1) & mask;
        }
    }

    /// Numbers the rows of a lone key that comes as a dictionary: each value is numbered when
    /// a row first has it, and the other rows with its code take its group.
    fn number_codes(
        &mut self,
        dictionary: &DictionaryArray<Int32Type>,
        groups: &mut Vec<usize>,
    ) -> Result<Fits> {
        let mut kept = self.dictionaries[0].take();
        let Some(values) = Dictionary::of(&mut kept, dictionary)? else {
            return Ok(Fits::No);
        };
        groups.clear();
        groups.reserve(dictionary.len());
        // The group of a row with `code`, or of a missing key if the row's code is not `valid`.
        let mut group_of_code = |code: i32, valid: bool| {
            if !valid {
                return self.group_of(&[MISSING]);
            }
            let code = code as usize;
            match values.groups[code] {
                0 => {
                    let group = self.group_of(&[values.packed[code]]);
                    values.groups[code] = group as u32 + 1;
                    group
                }
                number => number as usize - 1,
            }
        };
        let codes = dictionary.keys();
        let rows = codes.values().iter();
        match codes.nulls().filter(|nulls| nulls.null_count() > 0) {
            None => groups.extend(rows.map(|code| group_of_code(*code, true))),
            Some(nulls) => {
                groups.extend(rows.zip(nulls.iter()).map(|(c, v)| group_of_code(*c, v)));
            }
        }
        self.dictionaries[0] = kept;
        Ok(Fits::Yes)
    }

    /// Doubles the table.
    fn grow(&mut self) {
        self.slots = vec![0; self.slots.len() * 2];
        self.rehash();
    }

    /// Enters every group into the table, made large enough for them.
    fn rehash(&mut self) {
        let groups = self.len();
        let len = (groups * SLOTS_PER_GROUP + 1)
            .next_power_of_two()
            .max(self.slots.len());
        self.slots.clear();
        self.slots.resize(len, 0);
        let mask = len - 1;
        for (group, key) in self.keys.chunks_exact(self.width).enumerate() {
            let mut slot = hash(key) & mask;
            while self.slots[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            self.slots[slot] = group as u32 + 1;
        }
    }

    /// The groups' keys, one array per key column, of the types `types`.
    fn unpack(&self, types: &[DataType]) -> Result<Vec<ArrayRef>> {
        types
            .iter()
            .enumerate()
            .map(|(at, key_type)| {
                let packed = self.keys.iter().skip(at).step_by(self.width).copied();
                unpack(packed, key_type)
            })
            .collect()
    }
}

/// Writes the packed key of each row of `column` to `rows[row * width + at]`; [`Fits::No`] if
/// a string is too long to pack. A dictionary's values are packed into `kept`, which holds
/// them for the next batch with the same dictionary.
fn pack(
    column: &ArrayRef,
    width: usize,
    at: usize,
    rows: &mut [u128],
    kept: &mut Option<Dictionary>,
) -> Result<Fits> {
    let slots = rows.iter_mut().skip(at).step_by(width);
    if let Some(dictionary) = column.as_dictionary_opt::<Int32Type>() {
        let Some(values) = Dictionary::of(kept, dictionary)? else {
            return Ok(Fits::No);
        };
        // A missing row's code may be any number: it is overwritten below.
        let packed = |code: &i32| values.packed.get(*code as usize).copied();
        slots
            .zip(dictionary.keys().values())
            .for_each(|(slot, code)| *slot = packed(code).unwrap_or(MISSING));
    } else if let Some(strings) = column.as_string_view_opt() {
        let views = strings.views();
        if views.iter().any(|view| *view as u32 > INLINE_LEN) {
            return Ok(Fits::No);
        }
        slots
            .zip(views.iter())
            .for_each(|(slot, view)| *slot = *view);
    } else if let Some(strings) = column.as_string_opt::<i32>() {
        let offsets = strings.value_offsets();
        if offsets.windows(2).any(|w| w[1] - w[0] > INLINE_LEN as i32) {
            return Ok(Fits::No);
        }
        let bytes = strings.value_data();
        for (slot, w) in slots.zip(offsets.windows(2)) {
            *slot = inline_view(&bytes[w[0] as usize..w[1] as usize]);
        }
    } else if let Some(values) = column.as_primitive_opt::<UInt64Type>() {
        let values = values.values().iter();
        slots
            .zip(values)
            .for_each(|(slot, value)| *slot = u128::from(*value));
    } else {
        let values = cast(column, &DataType::Int64)?;
        let values = values.as_primitive::<Int64Type>().values().iter();
        slots
            .zip(values)
            .for_each(|(slot, value)| *slot = u128::from(*value as u64));
    }
    if let Some(nulls) = column.logical_nulls() {
        for (row, valid) in nulls.iter().enumerate() {
            if !valid {
                rows[row * width + at] = MISSING;
            }
        }
    }
    Ok(Fits::Yes)
}

/// The view of a string of at most [`INLINE_LEN`] bytes, as a string view array holds it.
fn inline_view(bytes: &[u8]) -> u128 {
    let mut view = [0; 16];
    view[..4].copy_from_slice(&(bytes.len() as u32).to_le_bytes());
    view[4..4 + bytes.len()].copy_from_slice(bytes);
    u128::from_le_bytes(view)
}

/// The array of `key_type` holding the keys packed as `packed`.
fn unpack(packed: impl Iterator<Item = u128>, key_type: &DataType) -> Result<ArrayRef> {
    let (values, valid): (Vec<u128>, Vec<bool>) = packed.map(|p| (p, p != MISSING)).unzip();
    let nulls = valid.contains(&false).then(|| NullBuffer::from(valid));
    let array: ArrayRef = match key_type {
        DataType::Utf8View | DataType::Utf8 => {
            let views = values.iter().map(|v| if *v == MISSING { 0 } else { *v });
            let strings: ArrayRef = Arc::new(StringViewArray::try_new(
                ScalarBuffer::from_iter(views),
                Vec::new(),
                nulls,
            )?);
            cast(&strings, key_type)?
        }
        DataType::UInt64 => Arc::new(UInt64Array::new(
            values.iter().map(|v| *v as u64).collect(),
            nulls,
        )),
        _ => {
            let values = values.iter().map(|v| *v as u64 as i64).collect();
            cast(
                &(Arc::new(Int64Array::new(values, nulls)) as ArrayRef),
                key_type,
            )?
        }
    };
    Ok(array)
}

/// Mixes packed keys into a slot number. The halves of each key are first combined into 64
/// bits (the upper half turned by an odd number of bits, so that bytes moved from one half to
/// the other do not cancel out), which is then multiplied into 128 bits and the halves of the
/// product folded together: that carries every bit of the input into every bit of the output
/// (a multiplication alone carries them only upwards, and the table's mask keeps the low
/// bits). Keys that combine alike only share a slot: their groups are told apart by the keys.
#[inline]
fn hash(key: &[u128]) -> usize {
    const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;
    let fold = |x: u64| {
        let product = u128::from(x) * u128::from(MULTIPLIER);
        (product as u64) ^ (product >> 64) as u64
    };
    let mut h = 0x243F_6A88_85A3_08D3u64;
    for part in key {
        h = fold(h ^ *part as u64 ^ ((*part >> 64) as u64).rotate_left(19));
    }
    h as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int32Array, UInt64Array};

    fn ids(groups: &mut GroupIds, columns: Vec<ArrayRef>) -> Vec<usize> {
        let mut out = Vec::new();
        groups.intern(&columns, &mut out).unwrap();
        out
    }

    fn ints(keys: Vec<Option<i32>>) -> Vec<ArrayRef> {
        vec![Arc::new(Int32Array::from(keys))]
    }

    fn views(keys: Vec<Option<&str>>) -> ArrayRef {
        Arc::new(StringViewArray::from(keys))
    }

    #[test]
    fn integer_keys_are_numbered_as_first_seen_directly() {
        let mut groups = GroupIds::new(&[DataType::Int32]).unwrap();
        assert_eq!(
            ids(
                &mut groups,
                ints(vec![Some(5), Some(3), Some(5), None, Some(-2)])
            ),
            [0, 1, 0, 2, 3]
        );
        // Values below and above the range so far move it, keeping the numbers.
        assert_eq!(
            ids(
                &mut groups,
                ints(vec![Some(-40_000), Some(3), None, Some(40_000)])
            ),
            [4, 1, 2, 5]
        );
        assert!(matches!(groups.by, By::Direct(_)));
        assert_eq!(groups.len(), 6);
        let keys = groups.emit().unwrap();
        assert_eq!(
            keys[0].as_primitive::<Int32Type>(),
            &Int32Array::from(vec![
                Some(5),
                Some(3),
                None,
                Some(-2),
                Some(-40_000),
                Some(40_000)
            ])
        );
        assert_eq!(groups.len(), 0);
        assert_eq!(ids(&mut groups, ints(vec![Some(3), Some(5)])), [0, 1]);
    }

    #[test]
    fn integer_keys_spread_far_apart_are_packed_with_the_same_numbers() {
        let mut groups = GroupIds::new(&[DataType::Int32]).unwrap();
        assert_eq!(
            ids(&mut groups, ints(vec![Some(7), None, Some(1)])),
            [0, 1, 2]
        );
        assert_eq!(
            ids(
                &mut groups,
                ints(vec![Some(i32::MAX), Some(1), Some(i32::MIN), None, Some(7)])
            ),
            [3, 2, 4, 1, 0]
        );
        assert!(matches!(groups.by, By::Packed(_)));
        assert_eq!(ids(&mut groups, ints(vec![Some(7), Some(8)])), [0, 5]);
        assert_eq!(groups.len(), 6);
        let keys = groups.emit().unwrap();
        let expected = [
            Some(7),
            None,
            Some(1),
            Some(i32::MAX),
            Some(i32::MIN),
            Some(8),
        ];
        assert_eq!(
            keys[0].as_ref(),
            &Int32Array::from(expected.to_vec()) as &dyn Array
        );
    }

    #[test]
    fn unsigned_keys_beyond_the_signed_range_keep_their_values() {
        let mut groups = GroupIds::new(&[DataType::UInt64]).unwrap();
        let keys = UInt64Array::from(vec![Some(u64::MAX), Some(1), None, Some(u64::MAX)]);
        assert_eq!(ids(&mut groups, vec![Arc::new(keys)]), [0, 1, 2, 0]);
        let keys = groups.emit().unwrap();
        let expected = UInt64Array::from(vec![Some(u64::MAX), Some(1), None]);
        assert_eq!(keys[0].as_ref(), &expected as &dyn Array);
    }

    #[test]
    fn short_strings_and_integers_are_packed_together() {
        let types = [DataType::Utf8View, DataType::Int64];
        let mut groups = GroupIds::new(&types).unwrap();
        // Enough groups for the table to grow several times.
        let names: Vec<String> = (0..1000).map(|i| format!("id{:03}", i % 500)).collect();
        let names: Vec<Option<&str>> = names.iter().map(|n| Some(n.as_str())).collect();
        let numbers = Int64Array::from_iter_values((0..1000).map(|i| i % 2));
        let out = ids(&mut groups, vec![views(names), Arc::new(numbers)]);
        // Strings as views, not dictionaries: packed.
        assert!(matches!(groups.by, By::Packed(_)));
        // id000 with 0 and id000 with 0 again (row 500 is 0 too: 500 is even).
        assert_eq!((out[0], out[500], out[1], out[501]), (0, 0, 1, 1));
        assert_eq!(groups.len(), 500);
        let out = ids(
            &mut groups,
            vec![
                views(vec![Some("id001"), None, Some(""), None, Some("id001")]),
                Arc::new(Int64Array::from(vec![
                    Some(1),
                    Some(1),
                    Some(1),
                    Some(1),
                    None,
                ])),
            ],
        );
        assert_eq!(out, [1, 500, 501, 500, 502]);
        let keys = groups.emit().unwrap();
        assert_eq!(keys[0].len(), 503);
        let tail = keys[0].slice(499, 4);
        assert_eq!(
            tail.as_string_view().iter().collect::<Vec<_>>(),
            [Some("id499"), None, Some(""), Some("id001")]
        );
        let tail = keys[1].slice(499, 4);
        assert_eq!(
            tail.as_primitive::<Int64Type>().iter().collect::<Vec<_>>(),
            [Some(1), Some(1), Some(1), None]
        );
    }

    #[test]
    fn three_and_four_keys_are_packed() {
        for width in [3, 4] {
            let types = vec![DataType::Int32; width];
            let mut groups = GroupIds::new(&types).unwrap();
            // Values too far apart to be numbered densely.
            let far: ArrayRef = Arc::new(Int32Array::from(vec![i32::MIN, 0, i32::MAX, 0]));
            assert_eq!(ids(&mut groups, vec![far; width]), [0, 1, 2, 1]);
            assert!(matches!(groups.by, By::Packed(_)));
            // Rows differing in the last key only are different groups.
            let mut columns: Vec<ArrayRef> = (1..width)
                .map(|_| Arc::new(Int32Array::from(vec![1, 1, 1, 1])) as ArrayRef)
                .collect();
            columns.push(Arc::new(Int32Array::from(vec![
                Some(1),
                Some(2),
                None,
                Some(1),
            ])));
            assert_eq!(ids(&mut groups, columns), [3, 4, 5, 3], "{width} keys");
            let keys = groups.emit().unwrap();
            assert_eq!(keys.len(), width);
            let last = [i32::MIN, 0, i32::MAX].map(Some).into_iter();
            assert_eq!(
                keys[width - 1].as_ref(),
                &Int32Array::from_iter(last.chain([Some(1), Some(2), None])) as &dyn Array
            );
        }
    }

    #[test]
    fn a_longer_string_hands_the_groups_to_the_hash_table_with_the_same_numbers() {
        // Strings read as views, and as offsets and bytes.
        for key_type in [DataType::Utf8View, DataType::Utf8] {
            let strings = |keys| cast(&views(keys), &key_type).unwrap();
            let mut groups = GroupIds::new(std::slice::from_ref(&key_type)).unwrap();
            let first = strings(vec![Some("b"), None, Some("a"), Some("twelve bytes")]);
            assert_eq!(ids(&mut groups, vec![first]), [0, 1, 2, 3]);
            assert!(matches!(groups.by, By::Packed(_)));
            let long = "a string longer than twelve bytes";
            let second = strings(vec![Some(long), Some("a"), None, Some("b")]);
            assert_eq!(ids(&mut groups, vec![second]), [4, 2, 1, 0]);
            assert!(matches!(groups.by, By::Hashed(_)));
            let keys = groups.emit().unwrap();
            assert_eq!(keys[0].data_type(), &key_type);
            let keys = cast(&keys[0], &DataType::Utf8).unwrap();
            assert_eq!(
                keys.as_string::<i32>().iter().collect::<Vec<_>>(),
                [Some("b"), None, Some("a"), Some("twelve bytes"), Some(long)]
            );
        }
    }

    /// Strings `values` as a dictionary, with the rows' `codes`.
    fn dictionary(values: &ArrayRef, codes: Vec<Option<i32>>) -> ArrayRef {
        let codes = Int32Array::from(codes);
        Arc::new(DictionaryArray::<Int32Type>::try_new(codes, Arc::clone(values)).unwrap())
    }

    fn strings(keys: &ArrayRef) -> Vec<Option<String>> {
        let keys = cast(keys, &DataType::Utf8).unwrap();
        let keys = keys.as_string::<i32>().iter();
        keys.map(|k| k.map(str::to_owned)).collect()
    }

    #[test]
    fn a_lone_dictionary_key_numbers_only_the_values_rows_have() {
        let mut groups = GroupIds::new(&[DataType::Utf8View]).unwrap();
        let values: ArrayRef = Arc::new(arrow::array::StringArray::from(vec![
            Some("a"),
            Some("b"),
            None,
            Some("c"),
        ]));
        let rows = dictionary(&values, vec![Some(3), Some(0), Some(3), None, Some(2)]);
        // The value missing and the code missing are one group, the missing key's.
        assert_eq!(ids(&mut groups, vec![rows]), [0, 1, 0, 2, 2]);
        // The same dictionary again, then another with the same values in another order.
        let rows = dictionary(&values, vec![Some(1), Some(0)]);
        assert_eq!(ids(&mut groups, vec![rows]), [3, 1]);
        let other: ArrayRef = Arc::new(arrow::array::StringArray::from(vec!["b", "c", "d"]));
        let rows = dictionary(&other, vec![Some(2), Some(0), Some(1)]);
        assert_eq!(ids(&mut groups, vec![rows]), [4, 3, 0]);
        // Plain strings after dictionaries take the same groups.
        assert_eq!(ids(&mut groups, vec![views(vec![Some("d"), None])]), [4, 2]);
        assert_eq!(groups.len(), 5, "no group for a value no row has");
        let keys = groups.emit().unwrap();
        assert_eq!(keys[0].data_type(), &DataType::Utf8View);
        let want = [Some("c"), Some("a"), None, Some("b"), Some("d")];
        assert_eq!(strings(&keys[0]), want.map(|k| k.map(str::to_owned)));
    }

    #[test]
    fn a_dictionary_key_is_packed_with_others() {
        let types = [DataType::Utf8View, DataType::Int64];
        let mut groups = GroupIds::new(&types).unwrap();
        let values: ArrayRef = Arc::new(arrow::array::StringArray::from(vec!["x", "y"]));
        let names = dictionary(&values, vec![Some(1), Some(0), None, Some(1)]);
        let numbers: ArrayRef = Arc::new(Int64Array::from(vec![1, 1, 1, 2]));
        assert_eq!(ids(&mut groups, vec![names, numbers]), [0, 1, 2, 3]);
        let names = views(vec![Some("y"), None]);
        let numbers: ArrayRef = Arc::new(Int64Array::from(vec![2, 1]));
        assert_eq!(ids(&mut groups, vec![names, numbers]), [3, 2]);
        let keys = groups.emit().unwrap();
        let want = [Some("y"), Some("x"), None, Some("y")];
        assert_eq!(strings(&keys[0]), want.map(|k| k.map(str::to_owned)));
    }

    #[test]
    fn a_dictionary_with_a_long_value_hands_the_groups_to_the_hash_table() {
        for width in [1, 2] {
            let types = vec![DataType::Utf8View; width];
            let mut groups = GroupIds::new(&types).unwrap();
            let short: ArrayRef = Arc::new(arrow::array::StringArray::from(vec!["a", "b"]));
            let rows = vec![dictionary(&short, vec![Some(1), Some(0)]); width];
            assert_eq!(ids(&mut groups, rows), [0, 1]);
            let text = "a string longer than twelve bytes";
            let long: ArrayRef = Arc::new(arrow::array::StringArray::from(vec!["a", text]));
            let rows = vec![dictionary(&long, vec![Some(1), Some(0), None]); width];
            assert_eq!(ids(&mut groups, rows), [2, 1, 3], "{width} keys");
            assert!(matches!(groups.by, By::Hashed(_)));
            let keys = groups.emit().unwrap();
            assert_eq!(keys[0].data_type(), &DataType::Utf8View);
            assert_eq!(strings(&keys[0])[2].as_deref(), Some(text));
        }
    }

    #[test]
    fn integer_and_dictionary_keys_of_few_values_are_numbered_densely() {
        let types = [DataType::Utf8View, DataType::Int64, DataType::Int32];
        let mut groups = GroupIds::new(&types).unwrap();
        let values: ArrayRef = Arc::new(arrow::array::StringArray::from(vec!["x", "y", "z"]));
        let names = dictionary(&values, vec![Some(1), Some(0), None, Some(1), Some(1)]);
        let numbers: ArrayRef = Arc::new(Int64Array::from(vec![
            Some(5),
            Some(5),
            Some(5),
            None,
            Some(5),
        ]));
        let codes: ArrayRef = Arc::new(Int32Array::from(vec![7, 7, 7, 7, 7]));
        assert_eq!(
            ids(&mut groups, vec![names, numbers, codes]),
            [0, 1, 2, 3, 0]
        );
        assert!(matches!(groups.by, By::Dense(_)));
        // New values for every key: the slots are laid out again, keeping the numbers.
        let rows = 1000;
        let names = dictionary(&values, (0..rows).map(|i| Some(i % 3)).collect());
        let numbers: ArrayRef = Arc::new(Int64Array::from_iter_values((0..rows).map(i64::from)));
        let codes: ArrayRef = Arc::new(Int32Array::from_iter_values((0..rows).map(|i| 7 - i % 2)));
        let out = ids(&mut groups, vec![names, numbers, codes]);
        assert!(matches!(groups.by, By::Dense(_)));
        assert_eq!(out[..3], [4, 5, 6]);
        assert_eq!(groups.len(), 4 + 1000);
        let keys = groups.emit().unwrap();
        assert_eq!(
            strings(&keys[0])[..4],
            [Some("y"), Some("x"), None, Some("y")].map(|k| k.map(str::to_owned))
        );
        let numbers = keys[1].as_primitive::<Int64Type>();
        assert_eq!(
            numbers.iter().take(6).collect::<Vec<_>>(),
            [Some(5), Some(5), Some(5), None, Some(0), Some(1)]
        );
        assert_eq!(keys[2].data_type(), &DataType::Int32);
    }

    #[test]
    fn keys_of_too_many_values_together_are_packed_with_the_same_numbers() {
        let types = [DataType::Int64, DataType::Int64];
        let mut groups = GroupIds::new(&types).unwrap();
        let few: ArrayRef = Arc::new(Int64Array::from(vec![1, 2, 1]));
        assert_eq!(ids(&mut groups, vec![few.clone(), few]), [0, 1, 0]);
        assert!(matches!(groups.by, By::Dense(_)));
        // 2,000 values of each key, 2,000 groups: 22 bits of slots is too many.
        let many: ArrayRef = Arc::new(Int64Array::from_iter_values((0..2000).rev()));
        let out = ids(&mut groups, vec![many.clone(), many]);
        assert!(matches!(groups.by, By::Packed(_)));
        assert_eq!((out[0], out[1997], out[1998]), (2, 1, 0));
        assert_eq!(groups.len(), 2000);
    }

    #[test]
    fn other_keys_are_hashed() {
        let mut groups = GroupIds::new(&[DataType::Float64]).unwrap();
        assert!(matches!(groups.by, By::Hashed(_)));
        let keys: ArrayRef = Arc::new(arrow::array::Float64Array::from(vec![0.5, 1.0, 0.5]));
        assert_eq!(ids(&mut groups, vec![keys]), [0, 1, 0]);
    }
}
