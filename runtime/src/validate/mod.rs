//! Validation: every constraint of the spec checked, every violation reported.
//!
//! [`Validate`] is implemented by `#[derive(Validate)]` from constraint attributes (generated
//! code and hand-written types alike) and, for containers and scalars, here. A check never
//! stops at the first problem: each violation is pushed to [`ValidationErrors`] with the JSON
//! pointer of the offending value, the JSON Schema keyword, and a message for people.

pub mod checks;
pub mod format;
pub mod json;
pub(crate) mod number;
pub mod pattern;
pub mod schema;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;

use serde::Serialize;

use crate::schema::Schema;

/// One broken constraint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer into the payload (`/parcels/0/weightGrams`; `""` is the payload itself).
    pub pointer: String,
    /// The JSON Schema keyword (`minimum`, `pattern`, `format`, ...).
    pub keyword: &'static str,
    /// What is wrong, for people.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(f, "{at}: {} ({})", self.message, self.keyword)
    }
}

/// Every violation found in one value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValidationErrors {
    violations: Vec<Violation>,
}

impl ValidationErrors {
    /// No violations yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a violation at `at`.
    pub fn push(&mut self, at: &Pointer, keyword: &'static str, message: impl Into<String>) {
        self.violations.push(Violation {
            pointer: at.as_str().to_owned(),
            keyword,
            message: message.into(),
        });
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.violations.is_empty()
    }

    /// How many violations were found.
    pub fn len(&self) -> usize {
        self.violations.len()
    }

    /// The violations, in the order they were found.
    pub fn iter(&self) -> std::slice::Iter<'_, Violation> {
        self.violations.iter()
    }

    /// `Ok(())` when empty, else `Err(self)`.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }

    /// Puts `prefix` in front of every violation's pointer (for checks run on a detached
    /// pointer, which is cheaper than tracking the path when nothing fails).
    pub fn rebase(&mut self, prefix: &Pointer) {
        if !prefix.as_str().is_empty() {
            for v in &mut self.violations {
                v.pointer.insert_str(0, prefix.as_str());
            }
        }
    }

    /// Moves every violation of `other` into `self`.
    pub fn append(&mut self, other: &mut ValidationErrors) {
        self.violations.append(&mut other.violations);
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.violations.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

impl IntoIterator for ValidationErrors {
    type Item = Violation;
    type IntoIter = std::vec::IntoIter<Violation>;

    fn into_iter(self) -> Self::IntoIter {
        self.violations.into_iter()
    }
}

impl<'a> IntoIterator for &'a ValidationErrors {
    type Item = &'a Violation;
    type IntoIter = std::slice::Iter<'a, Violation>;

    fn into_iter(self) -> Self::IntoIter {
        self.violations.iter()
    }
}

/// A JSON pointer that grows and shrinks while a value is walked, without reallocating.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pointer {
    buf: String,
}

impl Pointer {
    /// The pointer to the whole payload (`""`).
    pub fn root() -> Self {
        Self::default()
    }

    /// The pointer as text.
    pub fn as_str(&self) -> &str {
        &self.buf
    }

    /// Appends an object key (escaped per RFC 6901); returns the length to [`truncate`](Self::truncate) back to.
    pub fn push_key(&mut self, key: &str) -> usize {
        let mark = self.buf.len();
        self.buf.push('/');
        crate::json::push_token(&mut self.buf, key);
        mark
    }

    /// Appends an array index; returns the length to [`truncate`](Self::truncate) back to.
    pub fn push_index(&mut self, index: usize) -> usize {
        let mark = self.buf.len();
        // Digits by hand: this runs for every array item, and `write!` costs more than the rest.
        let mut digits = [0u8; 20];
        let mut n = index;
        let mut start = digits.len();
        loop {
            start -= 1;
            digits[start] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.buf.push('/');
        self.buf
            .extend(digits[start..].iter().map(|&d| char::from(d)));
        mark
    }

    /// Drops what was pushed after `mark`.
    pub fn truncate(&mut self, mark: usize) {
        self.buf.truncate(mark);
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.buf)
    }
}

/// A value whose constraints can be checked.
pub trait Validate {
    /// Checks every constraint of `self`, which sits at `at` in the payload, recording each
    /// violation in `errors`. `at` is the same when this returns.
    fn validate_at(&self, at: &mut Pointer, errors: &mut ValidationErrors);

    /// Checks every constraint; all violations, or `Ok(())`.
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        self.validate_at(&mut Pointer::root(), &mut errors);
        errors.into_result()
    }

    /// The JSON Schema that the JSON form of every value of this type satisfies, when the
    /// type declares one (`#[validate(schema = "...")]` on the type).
    ///
    /// [`decode_valid`](crate::decode_valid) checks a payload's JSON against it *before*
    /// decoding, so that what decoding leaves out or fills in (properties the type does not
    /// list, defaults, the form of a number) is judged as it was sent; that schema is then
    /// the whole definition of a valid payload (a type's `schema` should hold its field
    /// checks too, as generated types' schemas do).
    fn json_schema() -> Option<&'static Schema>
    where
        Self: Sized,
    {
        None
    }

    /// What [`validate_at`](Self::validate_at) checks but the type's own
    /// [`json_schema`](Self::json_schema): the field checks. The same as `validate_at` for
    /// types without one. Decoding a type that has a schema judges the payload's JSON by that
    /// schema alone, since the decoded value may not hold everything that was sent.
    fn validate_decoded_at(&self, at: &mut Pointer, errors: &mut ValidationErrors) {
        self.validate_at(at, errors)
    }

    /// Writes what [`validate_at`](Self::validate_at) checks into this type's JSON Schema
    /// at `cursor` (as `schemars` writes it), so that the schema accepts what `Validate`
    /// accepts: `#[derive(Validate)]` describes each field's checks and its type's; wrappers
    /// describe their contents. Nothing for types without constraints.
    fn describe(cursor: &mut crate::spec::Cursor<'_>) {
        let _ = cursor;
    }
}

/// Values with no constraints of their own: the plain leaf types that generated and hand-written
/// fields use, so that such a field needs no `#[validate(skip)]` (a constrained value carries
/// its checks as attributes, a constrained `Value` its `schema = ...`).
macro_rules! leaf {
    ($($t:ty),* $(,)?) => {
        $(impl Validate for $t {
            #[inline]
            fn validate_at(&self, _: &mut Pointer, _: &mut ValidationErrors) {}
        })*
    };
}

leaf!(
    bool,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    f32,
    f64,
    char,
    String,
    str,
    (),
    serde_json::Value,
    chrono::NaiveDate,
    chrono::NaiveTime,
    chrono::NaiveDateTime,
    chrono::FixedOffset,
    chrono::Utc,
    chrono::TimeDelta,
    uuid::Uuid,
    crate::checks::Decimal,
    crate::checks::Num,
);

impl<Tz: chrono::TimeZone> Validate for chrono::DateTime<Tz> {
    #[inline]
    fn validate_at(&self, _: &mut Pointer, _: &mut ValidationErrors) {}
}

impl<T: Validate + ?Sized> Validate for &T {
    #[inline]
    fn validate_at(&self, at: &mut Pointer, errors: &mut ValidationErrors) {
        (**self).validate_at(at, errors)
    }

    fn describe(cursor: &mut crate::spec::Cursor<'_>) {
        cursor.describe::<T>()
    }
}

/// Smart pointers hold the value itself.
macro_rules! deref {
    ($($t:ident),*) => {$(
        impl<T: Validate + ?Sized> Validate for $t<T> {
            #[inline]
            fn validate_at(&self, at: &mut Pointer, errors: &mut ValidationErrors) {
                (**self).validate_at(at, errors)
            }

            fn describe(cursor: &mut crate::spec::Cursor<'_>) {
                cursor.describe::<T>()
            }
        }
    )*};
}

deref!(Box, Rc, Arc);

impl<B: Validate + ToOwned + ?Sized> Validate for Cow<'_, B> {
    #[inline]
    fn validate_at(&self, at: &mut Pointer, errors: &mut ValidationErrors) {
        (**self).validate_at(at, errors)
    }

    fn describe(cursor: &mut crate::spec::Cursor<'_>) {
        cursor.describe::<B>()
    }
}

impl<T: Validate> Validate for Option<T> {
    #[inline]
    fn validate_at(&self, at: &mut Pointer, errors: &mut ValidationErrors) {
        if let Some(value) = self {
            value.validate_at(at, errors)
        }
    }

    fn describe(cursor: &mut crate::spec::Cursor<'_>) {
        cursor.some().describe::<T>()
    }
}

/// Checks each item of a sequence (in its JSON order) at its index.
fn validate_items<'a, T: Validate + 'a>(
    items: impl Iterator<Item = &'a T>,
    at: &mut Pointer,
    errors: &mut ValidationErrors,
) {
    for (i, item) in items.enumerate() {
        // A detached pointer: the item's path is only built when it has violations.
        let mut local = ValidationErrors::new();
        item.validate_at(&mut Pointer::root(), &mut local);
        if !local.is_empty() {
            let mark = at.push_index(i);
            local.rebase(at);
            errors.append(&mut local);
            at.truncate(mark);
        }
    }
}

/// Sequences and sets: each item at its index.
macro_rules! sequence {
    ($(impl[$($generics:tt)*] for $t:ty;)*) => {$(
        impl<$($generics)*> Validate for $t {
            #[inline]
            fn validate_at(&self, at: &mut Pointer, errors: &mut ValidationErrors) {
                validate_items(self.iter(), at, errors)
            }

            fn describe(cursor: &mut crate::spec::Cursor<'_>) {
                cursor.items().describe::<T>()
            }
        }
    )*};
}

sequence! {
    impl[T: Validate] for [T];
    impl[T: Validate] for Vec<T>;
    impl[T: Validate, const N: usize] for [T; N];
    impl[T: Validate] for VecDeque<T>;
    impl[T: Validate] for BTreeSet<T>;
    impl[T: Validate, S] for HashSet<T, S>;
}

/// Checks each value of a map under its key, as JSON writes it (integer keys as digits).
fn validate_entries<'a, K: Serialize + ?Sized + 'a, T: Validate + 'a>(
    entries: impl Iterator<Item = (&'a K, &'a T)>,
    at: &mut Pointer,
    errors: &mut ValidationErrors,
) {
    for (key, value) in entries {
        crate::checks::at_key(key, at, errors, |at, errors| value.validate_at(at, errors));
    }
}

impl<K: Serialize, T: Validate> Validate for BTreeMap<K, T> {
    #[inline]
    fn validate_at(&self, at: &mut Pointer, errors: &mut ValidationErrors) {
        validate_entries(self.iter(), at, errors)
    }
    fn describe(cursor: &mut crate::spec::Cursor<'_>) {
        cursor.values().describe::<T>()
    }
}

impl<K: Serialize, T: Validate, S> Validate for HashMap<K, T, S> {
    #[inline]
    fn validate_at(&self, at: &mut Pointer, errors: &mut ValidationErrors) {
        validate_entries(self.iter(), at, errors)
    }
    fn describe(cursor: &mut crate::spec::Cursor<'_>) {
        cursor.values().describe::<T>()
    }
}

impl Validate for serde_json::Map<String, serde_json::Value> {
    #[inline]
    fn validate_at(&self, _: &mut Pointer, _: &mut ValidationErrors) {}
}

macro_rules! tuple {
    ($($name:ident $index:tt),+) => {
        impl<$($name: Validate),+> Validate for ($($name,)+) {
            fn validate_at(&self, at: &mut Pointer, errors: &mut ValidationErrors) {
                $(
                    let mark = at.push_index($index);
                    self.$index.validate_at(at, errors);
                    at.truncate(mark);
                )+
            }

            fn describe(cursor: &mut crate::spec::Cursor<'_>) {
                $(cursor.index($index).describe::<$name>();)+
            }
        }
    };
}

tuple!(A 0);
tuple!(A 0, B 1);
tuple!(A 0, B 1, C 2);
tuple!(A 0, B 1, C 2, D 3);
tuple!(A 0, B 1, C 2, D 3, E 4);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_escape_and_shrink() {
        let mut p = Pointer::root();
        let a = p.push_key("a/b~c");
        let b = p.push_index(3);
        assert_eq!(p.as_str(), "/a~1b~0c/3");
        p.truncate(b);
        assert_eq!(p.as_str(), "/a~1b~0c");
        p.truncate(a);
        assert_eq!(p.as_str(), "");
    }

    #[test]
    fn errors_collect_and_display() {
        let mut errors = ValidationErrors::new();
        let mut p = Pointer::root();
        let m = p.push_key("weightGrams");
        errors.push(&p, "minimum", "-1 is less than 0");
        p.truncate(m);
        errors.push(&p, "required", "`id` is missing");
        assert_eq!(errors.len(), 2);
        assert_eq!(
            errors.to_string(),
            "/weightGrams: -1 is less than 0 (minimum); /: `id` is missing (required)"
        );
        assert!(errors.into_result().is_err());
    }
}
