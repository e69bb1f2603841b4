//! The checks `#[derive(Validate)]` expands to, one function per JSON Schema keyword.
//!
//! Each function records a [`Violation`](crate::Violation) and returns; none stops at the
//! first problem. Numbers are compared exactly (an `i64` against an integer limit never goes
//! through `f64`), and `multipleOf` is exact for decimal divisors such as `0.01`.
//!
//! The value of a check is whatever type the field has: the traits here ([`Numeric`],
//! [`Length`], [`Text`], [`JsonItems`], [`Sequence`], [`Entries`]) are implemented for the
//! values each keyword applies to and for the wrappers around them (`Option`, where `None` has
//! nothing to check, `Box`, references), so that a check compiles on every type the derive
//! accepts, a type alias that hides an `Option` included.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use serde::Serialize;
use serde_json::Value;

use crate::validate::{Pointer, ValidationErrors};

pub use crate::format::Format;
pub use crate::pattern::Pattern;
pub use crate::schema::Schema;
pub use crate::validate::number::{Decimal, Num};

/// Numbers the range checks accept.
pub trait Numeric {
    /// The value as a [`Num`]; `None` when there is no number to check (an empty `Option`).
    fn num(&self) -> Option<Num>;
}

macro_rules! numeric_int {
    ($($t:ty),*) => {$(
        impl Numeric for $t {
            #[inline]
            fn num(&self) -> Option<Num> {
                Some(Num::Int(*self as i128))
            }
        }
    )*};
}

numeric_int!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, usize);

impl Numeric for u128 {
    #[inline]
    fn num(&self) -> Option<Num> {
        Some(i128::try_from(*self).map_or(Num::Float(*self as f64), Num::Int))
    }
}

impl Numeric for f64 {
    #[inline]
    fn num(&self) -> Option<Num> {
        Some(Num::Float(*self))
    }
}

impl Numeric for f32 {
    #[inline]
    fn num(&self) -> Option<Num> {
        Some(Num::Float(f64::from(*self)))
    }
}

impl<T: Numeric + ?Sized> Numeric for &T {
    #[inline]
    fn num(&self) -> Option<Num> {
        (**self).num()
    }
}

impl<T: Numeric + ?Sized> Numeric for Box<T> {
    #[inline]
    fn num(&self) -> Option<Num> {
        (**self).num()
    }
}

impl<T: Numeric> Numeric for Option<T> {
    #[inline]
    fn num(&self) -> Option<Num> {
        self.as_ref().and_then(T::num)
    }
}

#[inline]
fn compare(
    value: Option<Num>,
    limit: Num,
    ok: fn(Ordering) -> bool,
    keyword: &'static str,
    relation: &str,
    at: &Pointer,
    errors: &mut ValidationErrors,
) {
    let Some(value) = value else {
        return;
    };
    if !value.cmp(limit).is_some_and(ok) {
        errors.push(at, keyword, format!("{value} is {relation} {limit}"));
    }
}

/// `minimum`: `value >= limit`.
#[inline]
pub fn minimum<N: Numeric + ?Sized>(
    value: &N,
    limit: Num,
    at: &Pointer,
    errors: &mut ValidationErrors,
) {
    compare(
        value.num(),
        limit,
        |o| o != Ordering::Less,
        "minimum",
        "less than the minimum",
        at,
        errors,
    );
}

/// `maximum`: `value <= limit`.
#[inline]
pub fn maximum<N: Numeric + ?Sized>(
    value: &N,
    limit: Num,
    at: &Pointer,
    errors: &mut ValidationErrors,
) {
    compare(
        value.num(),
        limit,
        |o| o != Ordering::Greater,
        "maximum",
        "greater than the maximum",
        at,
        errors,
    );
}

/// `exclusiveMinimum`: `value > limit`.
#[inline]
pub fn exclusive_minimum<N: Numeric + ?Sized>(
    value: &N,
    limit: Num,
    at: &Pointer,
    errors: &mut ValidationErrors,
) {
    compare(
        value.num(),
        limit,
        |o| o == Ordering::Greater,
        "exclusiveMinimum",
        "not greater than the exclusive minimum",
        at,
        errors,
    );
}

/// `exclusiveMaximum`: `value < limit`.
#[inline]
pub fn exclusive_maximum<N: Numeric + ?Sized>(
    value: &N,
    limit: Num,
    at: &Pointer,
    errors: &mut ValidationErrors,
) {
    compare(
        value.num(),
        limit,
        |o| o == Ordering::Less,
        "exclusiveMaximum",
        "not less than the exclusive maximum",
        at,
        errors,
    );
}

/// `multipleOf`, exact for decimal divisors (`19.99` is a multiple of `0.01`).
#[inline]
pub fn multiple_of<N: Numeric + ?Sized>(
    value: &N,
    divisor: Decimal,
    at: &Pointer,
    errors: &mut ValidationErrors,
) {
    let Some(num) = value.num() else {
        return;
    };
    if let Num::Float(f) = num {
        if float_is_multiple(f, divisor) {
            return;
        }
    }
    let exact = match num {
        Num::Int(i) => Decimal::new(i, 0).is_multiple_of(divisor),
        Num::Float(f) => Decimal::of_f64(f).and_then(|d| d.is_multiple_of(divisor)),
    };
    let multiple = exact.unwrap_or_else(|| {
        // Out of exact range: fall back to floating point.
        let x = match num {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        };
        let q = x / divisor.as_f64();
        q.is_finite() && q == q.trunc()
    });
    if !multiple {
        errors.push(
            at,
            "multipleOf",
            format!("{num} is not a multiple of {divisor}"),
        );
    }
}

/// A quick proof that `value` is a multiple of `divisor`: the nearest multiple, as a decimal,
/// rounds to exactly `value`. `false` means "not proven", and the exact check decides.
#[inline]
fn float_is_multiple(value: f64, divisor: Decimal) -> bool {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    // A divisor with a positive exponent (`50` is `5 × 10^1`) is the whole step `50`.
    let (mantissa, scale) = match u32::try_from(-divisor.exponent()) {
        Ok(scale) => (divisor.mantissa(), scale),
        Err(_) => match 10i128.checked_pow(divisor.exponent().unsigned_abs()) {
            Some(power) => (divisor.mantissa().saturating_mul(power), 0),
            None => return false,
        },
    };
    let Some(&scale) = POW10.get(scale as usize) else {
        return false;
    };
    if mantissa <= 0 || mantissa > 1 << 40 {
        return false;
    }
    let step = mantissa as f64;
    let steps = (value * scale / step).round();
    // Integers below 2^53 multiply exactly; `/ scale` then rounds once, like parsing would.
    let multiple = steps * step;
    multiple.abs() < 9.0e15 && multiple / scale == value
}

/// Things with a length: characters of strings, items of sequences (tuples included),
/// properties of maps.
pub trait Length {
    /// The length in its unit; `None` when there is nothing to measure (an empty `Option`).
    fn length(&self) -> Option<usize>;
    /// `minLength`, `minItems` or `minProperties`.
    const MIN_KEYWORD: &'static str;
    /// `maxLength`, `maxItems` or `maxProperties`.
    const MAX_KEYWORD: &'static str;
}

/// `Length` in one of the three units, from how the value counts.
macro_rules! length {
    ($unit:ident: $(impl[$($generics:tt)*] for $t:ty => |$v:ident| $len:expr;)*) => {$(
        impl<$($generics)*> Length for $t {
            #[inline]
            fn length(&self) -> Option<usize> {
                let $v = self;
                Some($len)
            }
            length!(@keywords $unit);
        }
    )*};
    (@keywords characters) => {
        const MIN_KEYWORD: &'static str = "minLength";
        const MAX_KEYWORD: &'static str = "maxLength";
    };
    (@keywords items) => {
        const MIN_KEYWORD: &'static str = "minItems";
        const MAX_KEYWORD: &'static str = "maxItems";
    };
    (@keywords properties) => {
        const MIN_KEYWORD: &'static str = "minProperties";
        const MAX_KEYWORD: &'static str = "maxProperties";
    };
}

length! { characters:
    impl[] for str => |s| s.chars().count();
    impl[] for String => |s| s.chars().count();
}

length! { items:
    impl[T] for [T] => |s| s.len();
    impl[T] for Vec<T> => |s| s.len();
    impl[T, const N: usize] for [T; N] => |_s| N;
    impl[T] for VecDeque<T> => |s| s.len();
    impl[T] for BTreeSet<T> => |s| s.len();
    impl[T, S] for HashSet<T, S> => |s| s.len();
}

length! { properties:
    impl[K, V] for BTreeMap<K, V> => |s| s.len();
    impl[K, V, S] for HashMap<K, V, S> => |s| s.len();
    impl[] for serde_json::Map<String, Value> => |s| s.len();
}

/// `Length` of tuples, whose number of items is their arity.
macro_rules! tuple_length {
    ($($arity:literal: $($name:ident)+;)*) => {$(
        length! { items: impl[$($name),+] for ($($name,)+) => |_s| $arity; }
    )*};
}

tuple_length! {
    1: A;
    2: A B;
    3: A B C;
    4: A B C D;
    5: A B C D E;
    6: A B C D E F;
    7: A B C D E F G;
    8: A B C D E F G H;
    9: A B C D E F G H I;
    10: A B C D E F G H I J;
    11: A B C D E F G H I J K;
    12: A B C D E F G H I J K L;
}

impl<T: Length + ?Sized> Length for &T {
    #[inline]
    fn length(&self) -> Option<usize> {
        (**self).length()
    }
    const MIN_KEYWORD: &'static str = T::MIN_KEYWORD;
    const MAX_KEYWORD: &'static str = T::MAX_KEYWORD;
}

impl<T: Length + ?Sized> Length for Box<T> {
    #[inline]
    fn length(&self) -> Option<usize> {
        (**self).length()
    }
    const MIN_KEYWORD: &'static str = T::MIN_KEYWORD;
    const MAX_KEYWORD: &'static str = T::MAX_KEYWORD;
}

impl<B: Length + ToOwned + ?Sized> Length for Cow<'_, B> {
    #[inline]
    fn length(&self) -> Option<usize> {
        (**self).length()
    }
    const MIN_KEYWORD: &'static str = B::MIN_KEYWORD;
    const MAX_KEYWORD: &'static str = B::MAX_KEYWORD;
}

impl<T: Length> Length for Option<T> {
    #[inline]
    fn length(&self) -> Option<usize> {
        self.as_ref().and_then(T::length)
    }
    const MIN_KEYWORD: &'static str = T::MIN_KEYWORD;
    const MAX_KEYWORD: &'static str = T::MAX_KEYWORD;
}

fn unit(keyword: &str) -> &'static str {
    match keyword {
        "minLength" | "maxLength" => "characters",
        "minItems" | "maxItems" => "items",
        _ => "properties",
    }
}

/// `minLength` / `minItems` / `minProperties`.
#[inline]
pub fn min_length<L: Length + ?Sized>(
    value: &L,
    min: usize,
    at: &Pointer,
    errors: &mut ValidationErrors,
) {
    let Some(len) = value.length() else {
        return;
    };
    if len < min {
        let unit = unit(L::MIN_KEYWORD);
        errors.push(
            at,
            L::MIN_KEYWORD,
            format!("has {len} {unit}, fewer than {min}"),
        );
    }
}

/// `maxLength` / `maxItems` / `maxProperties`.
#[inline]
pub fn max_length<L: Length + ?Sized>(
    value: &L,
    max: usize,
    at: &Pointer,
    errors: &mut ValidationErrors,
) {
    let Some(len) = value.length() else {
        return;
    };
    if len > max {
        let unit = unit(L::MAX_KEYWORD);
        errors.push(
            at,
            L::MAX_KEYWORD,
            format!("has {len} {unit}, more than {max}"),
        );
    }
}

/// Compiles an ECMA-262 pattern; for statics whose pattern was checked when the code was made.
///
/// # Panics
/// If `source` is not a valid ECMA-262 regular expression.
pub fn compile_pattern(source: &str) -> Pattern {
    match Pattern::new(source) {
        Ok(regex) => regex,
        Err(e) => panic!("invalid pattern `{source}`: {e}"),
    }
}

/// Strings, for `pattern` and `format`.
pub trait Text {
    /// The string; `None` when there is none to check (an empty `Option`).
    fn text(&self) -> Option<&str>;
}

impl Text for str {
    #[inline]
    fn text(&self) -> Option<&str> {
        Some(self)
    }
}

impl Text for String {
    #[inline]
    fn text(&self) -> Option<&str> {
        Some(self)
    }
}

impl<T: Text + ?Sized> Text for &T {
    #[inline]
    fn text(&self) -> Option<&str> {
        (**self).text()
    }
}

impl<T: Text + ?Sized> Text for Box<T> {
    #[inline]
    fn text(&self) -> Option<&str> {
        (**self).text()
    }
}

impl<B: Text + ToOwned + ?Sized> Text for Cow<'_, B> {
    #[inline]
    fn text(&self) -> Option<&str> {
        (**self).text()
    }
}

impl<T: Text> Text for Option<T> {
    #[inline]
    fn text(&self) -> Option<&str> {
        self.as_ref().and_then(T::text)
    }
}

/// `pattern`: the regex matches somewhere in `value` (JSON Schema patterns are not anchored).
#[inline]
pub fn pattern<T: Text + ?Sized>(
    value: &T,
    regex: &Pattern,
    source: &str,
    at: &Pointer,
    errors: &mut ValidationErrors,
) {
    let Some(value) = value.text() else {
        return;
    };
    if !regex.is_match(value) {
        errors.push(
            at,
            "pattern",
            format!("{value:?} does not match `{source}`"),
        );
    }
}

/// Arrays as JSON sees them, for `uniqueItems`: sequences, sets and tuples (whose items may
/// each have a type of their own), and `serde_json::Value`.
pub trait JsonItems {
    /// The JSON form of each item, in order; `None` when there is no array (an empty
    /// `Option`, or a JSON value of another type).
    fn json_items(&self) -> Option<Vec<Value>>;
}

fn json_of<T: Serialize + ?Sized>(item: &T) -> Value {
    serde_json::to_value(item).unwrap_or(Value::Null)
}

/// `JsonItems` of homogeneous collections, from their iterator.
macro_rules! json_items {
    ($(impl[$($generics:tt)*] for $t:ty;)*) => {$(
        impl<$($generics)*> JsonItems for $t {
            fn json_items(&self) -> Option<Vec<Value>> {
                Some(self.iter().map(json_of).collect())
            }
        }
    )*};
}

json_items! {
    impl[T: Serialize] for [T];
    impl[T: Serialize] for Vec<T>;
    impl[T: Serialize, const N: usize] for [T; N];
    impl[T: Serialize] for VecDeque<T>;
    impl[T: Serialize] for BTreeSet<T>;
    impl[T: Serialize, S] for HashSet<T, S>;
}

/// `JsonItems` of tuples: each item turned into JSON by its own type.
macro_rules! tuple_json_items {
    ($($($name:ident $index:tt)+;)*) => {$(
        impl<$($name: Serialize),+> JsonItems for ($($name,)+) {
            fn json_items(&self) -> Option<Vec<Value>> {
                Some(vec![$(json_of(&self.$index)),+])
            }
        }
    )*};
}

tuple_json_items! {
    A 0;
    A 0 B 1;
    A 0 B 1 C 2;
    A 0 B 1 C 2 D 3;
    A 0 B 1 C 2 D 3 E 4;
    A 0 B 1 C 2 D 3 E 4 F 5;
    A 0 B 1 C 2 D 3 E 4 F 5 G 6;
    A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7;
    A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7 I 8;
    A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7 I 8 J 9;
    A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7 I 8 J 9 K 10;
    A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7 I 8 J 9 K 10 L 11;
}

impl JsonItems for Value {
    fn json_items(&self) -> Option<Vec<Value>> {
        match self {
            Value::Array(items) => Some(items.clone()),
            _ => None,
        }
    }
}

impl<T: JsonItems + ?Sized> JsonItems for &T {
    fn json_items(&self) -> Option<Vec<Value>> {
        (**self).json_items()
    }
}

impl<T: JsonItems + ?Sized> JsonItems for Box<T> {
    fn json_items(&self) -> Option<Vec<Value>> {
        (**self).json_items()
    }
}

impl<T: JsonItems> JsonItems for Option<T> {
    fn json_items(&self) -> Option<Vec<Value>> {
        self.as_ref().and_then(T::json_items)
    }
}

/// `uniqueItems`, by JSON equality: `1` and `1.0` are the same item, and so are two objects
/// with the same properties in another order.
pub fn unique_items<I: JsonItems + ?Sized>(items: &I, at: &Pointer, errors: &mut ValidationErrors) {
    let Some(items) = items.json_items() else {
        return;
    };
    if let Some((i, j)) = crate::schema::first_duplicate(&items) {
        errors.push(at, "uniqueItems", format!("items {i} and {j} are equal"));
    }
}

/// Sequences whose items `items(...)` checks one by one: slices, arrays, `Vec`, `VecDeque`
/// and sets, in a reference, a `Box` or an `Option` (where `None` has no items).
pub trait Sequence {
    /// The type of an item.
    type Item;
    /// The items, in order.
    fn elements(&self) -> impl Iterator<Item = &Self::Item>;
}

/// `Sequence` of collections, from their iterator.
macro_rules! sequence {
    ($(impl[$($generics:tt)*] for $t:ty;)*) => {$(
        impl<$($generics)*> Sequence for $t {
            type Item = T;
            #[inline]
            fn elements(&self) -> impl Iterator<Item = &T> {
                self.iter()
            }
        }
    )*};
}

sequence! {
    impl[T] for [T];
    impl[T] for Vec<T>;
    impl[T, const N: usize] for [T; N];
    impl[T] for VecDeque<T>;
    impl[T] for BTreeSet<T>;
    impl[T, S] for HashSet<T, S>;
}

impl<Q: Sequence + ?Sized> Sequence for &Q {
    type Item = Q::Item;
    #[inline]
    fn elements(&self) -> impl Iterator<Item = &Q::Item> {
        (**self).elements()
    }
}

impl<Q: Sequence + ?Sized> Sequence for Box<Q> {
    type Item = Q::Item;
    #[inline]
    fn elements(&self) -> impl Iterator<Item = &Q::Item> {
        (**self).elements()
    }
}

impl<Q: Sequence> Sequence for Option<Q> {
    type Item = Q::Item;
    #[inline]
    fn elements(&self) -> impl Iterator<Item = &Q::Item> {
        self.iter().flat_map(Q::elements)
    }
}

/// Maps whose values `values(...)` checks one by one: `BTreeMap` and `HashMap` with keys of
/// any type that serializes as a JSON object key, in a reference, a `Box` or an `Option`
/// (where `None` has no values).
pub trait Entries {
    /// The type of a key.
    type Key: Serialize + ?Sized;
    /// The type of a value.
    type Value;
    /// The entries, in the map's order.
    fn entries(&self) -> impl Iterator<Item = (&Self::Key, &Self::Value)>;
}

impl<K: Serialize, V> Entries for BTreeMap<K, V> {
    type Key = K;
    type Value = V;
    #[inline]
    fn entries(&self) -> impl Iterator<Item = (&K, &V)> {
        self.iter()
    }
}

impl<K: Serialize, V, S> Entries for HashMap<K, V, S> {
    type Key = K;
    type Value = V;
    #[inline]
    fn entries(&self) -> impl Iterator<Item = (&K, &V)> {
        self.iter()
    }
}

impl Entries for serde_json::Map<String, Value> {
    type Key = String;
    type Value = Value;
    #[inline]
    fn entries(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.iter()
    }
}

impl<M: Entries + ?Sized> Entries for &M {
    type Key = M::Key;
    type Value = M::Value;
    #[inline]
    fn entries(&self) -> impl Iterator<Item = (&M::Key, &M::Value)> {
        (**self).entries()
    }
}

impl<M: Entries + ?Sized> Entries for Box<M> {
    type Key = M::Key;
    type Value = M::Value;
    #[inline]
    fn entries(&self) -> impl Iterator<Item = (&M::Key, &M::Value)> {
        (**self).entries()
    }
}

impl<M: Entries> Entries for Option<M> {
    type Key = M::Key;
    type Value = M::Value;
    #[inline]
    fn entries(&self) -> impl Iterator<Item = (&M::Key, &M::Value)> {
        self.iter().flat_map(M::entries)
    }
}

/// Runs `check` on the value under the map key `key`, which sits at `at`. The check runs on a
/// detached pointer, so the key's text is only worked out when something fails.
#[inline]
pub fn at_key<K: Serialize + ?Sized>(
    key: &K,
    at: &mut Pointer,
    errors: &mut ValidationErrors,
    check: impl FnOnce(&mut Pointer, &mut ValidationErrors),
) {
    let mut local = ValidationErrors::new();
    check(&mut Pointer::root(), &mut local);
    if !local.is_empty() {
        let mark = at.push_key(&key_text(key));
        local.rebase(at);
        errors.append(&mut local);
        at.truncate(mark);
    }
}

/// A map key as JSON writes it: strings as they are, numbers and the like in their JSON text.
pub(crate) fn key_text<K: Serialize + ?Sized>(key: &K) -> String {
    match serde_json::to_value(key) {
        Ok(Value::String(text)) => text,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// Parses JSON text; for statics whose text was checked when the code was made.
///
/// # Panics
/// If `text` is not JSON.
pub fn parse_json(text: &str) -> Value {
    match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => panic!("invalid JSON in a validation attribute: {e}"),
    }
}

/// `enum`: the value equals one of `allowed` (JSON equality).
pub fn enumeration<T: Serialize + ?Sized>(
    value: &T,
    allowed: &[Value],
    at: &Pointer,
    errors: &mut ValidationErrors,
) {
    let value = serde_json::to_value(value).unwrap_or(Value::Null);
    if !allowed.iter().any(|a| crate::json::equal(a, &value)) {
        errors.push(
            at,
            "enum",
            format!("{value} is not one of the allowed values"),
        );
    }
}

/// `const`: the value equals `expected` (JSON equality).
pub fn constant<T: Serialize + ?Sized>(
    value: &T,
    expected: &Value,
    at: &Pointer,
    errors: &mut ValidationErrors,
) {
    let value = serde_json::to_value(value).unwrap_or(Value::Null);
    if !crate::json::equal(expected, &value) {
        errors.push(at, "const", format!("{value} is not {expected}"));
    }
}

/// `format`.
#[inline]
pub fn format<T: Text + ?Sized>(
    value: &T,
    format: Format,
    at: &Pointer,
    errors: &mut ValidationErrors,
) {
    let Some(value) = value.text() else {
        return;
    };
    if !format.is_valid(value) {
        errors.push(
            at,
            "format",
            format!("{value:?} is not a valid {}", format.name()),
        );
    }
}

/// Checks the JSON form of `value` against a whole schema (for keywords without a typed check).
pub fn schema<T: Serialize + ?Sized>(
    value: &T,
    schema: &Schema,
    at: &mut Pointer,
    errors: &mut ValidationErrors,
) {
    match serde_json::to_value(value) {
        Ok(json) => schema.validate_at(&json, at, errors),
        Err(e) => errors.push(at, "type", format!("cannot be checked: {e}")),
    }
}

/// The schema document a generated module embeds once: every whole-value and field check of
/// the module is an entry in it (`/definitions/Pet`), so a schema shared by many messages is
/// written, parsed and compiled once. Parsed and compiled on first use.
///
/// ```
/// use tidings::checks::SchemaDocument;
/// use serde_json::json;
///
/// static SCHEMAS: SchemaDocument =
///     SchemaDocument::new(r#"{"definitions": {"Id": {"type": "string", "minLength": 3}}}"#);
/// let id = SCHEMAS.schema("/definitions/Id");
/// assert!(id.is_valid(&json!("o-1")));
/// assert!(!id.is_valid(&json!("o")));
/// ```
#[derive(Debug)]
pub struct SchemaDocument {
    text: &'static str,
    compiled: std::sync::OnceLock<crate::schema::Schemas>,
}

impl SchemaDocument {
    /// The document `text`, compiled when a schema is first taken from it.
    pub const fn new(text: &'static str) -> SchemaDocument {
        SchemaDocument {
            text,
            compiled: std::sync::OnceLock::new(),
        }
    }

    /// The entry at `pointer` (`/definitions/Pet`).
    ///
    /// # Panics
    /// If the document is not JSON, does not compile, or has no entry at `pointer`: the
    /// generator compiled every entry it refers to when it wrote the code.
    pub fn schema(&'static self, pointer: &str) -> Schema {
        let schemas = self.compiled.get_or_init(|| {
            let document: Value = match serde_json::from_str(self.text) {
                Ok(document) => document,
                Err(e) => panic!("schema document is not JSON: {e}"),
            };
            match crate::schema::Schemas::compile(&document) {
                Ok(schemas) => schemas,
                Err(e) => panic!("{e}"),
            }
        });
        match schemas.get(pointer) {
            Some(schema) => schema,
            None => panic!("the schema document has no entry `{pointer}`"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors_of(f: impl FnOnce(&Pointer, &mut ValidationErrors)) -> Vec<&'static str> {
        let mut errors = ValidationErrors::new();
        f(&Pointer::root(), &mut errors);
        errors.iter().map(|v| v.keyword).collect()
    }

    #[test]
    fn ranges_compare_exactly() {
        assert!(errors_of(|a, e| minimum(&5u64, Num::Int(5), a, e)).is_empty());
        assert_eq!(
            errors_of(|a, e| minimum(&4i64, Num::Float(4.5), a, e)),
            ["minimum"]
        );
        assert_eq!(
            errors_of(|a, e| exclusive_maximum(&10i32, Num::Int(10), a, e)),
            ["exclusiveMaximum"]
        );
        assert!(errors_of(|a, e| maximum(&i64::MAX, Num::Float(9.3e18), a, e)).is_empty());
        assert_eq!(
            errors_of(|a, e| maximum(&u64::MAX, Num::Int(i64::MAX as i128), a, e)),
            ["maximum"]
        );
        assert_eq!(
            errors_of(|a, e| exclusive_minimum(&0.0f64, Num::Int(0), a, e)),
            ["exclusiveMinimum"]
        );
    }

    #[test]
    fn multiple_of_is_exact_for_decimals() {
        let cent = Decimal::parse("0.01").unwrap();
        assert_eq!(cent, Decimal::new(1, 2));
        assert!(errors_of(|a, e| multiple_of(&19.99f64, cent, a, e)).is_empty());
        assert!(errors_of(|a, e| multiple_of(&0.07f64, cent, a, e)).is_empty());
        assert_eq!(
            errors_of(|a, e| multiple_of(&0.075f64, cent, a, e)),
            ["multipleOf"]
        );
        assert!(errors_of(|a, e| multiple_of(&10i64, Decimal::new(5, 0), a, e)).is_empty());
        assert_eq!(
            errors_of(|a, e| multiple_of(&7i64, Decimal::new(2, 0), a, e)),
            ["multipleOf"]
        );
        assert_eq!(Decimal::parse("1e-3"), Some(Decimal::new(1, 3)));
        assert_eq!(Decimal::parse("2.5E2"), Some(Decimal::new(250, 0)));
        // Out of exact range: floating point, where an infinite quotient is no multiple.
        let odd = Decimal::parse("0.123456789").unwrap();
        assert_eq!(
            errors_of(|a, e| multiple_of(&1e308f64, odd, a, e)),
            ["multipleOf"]
        );
        assert!(errors_of(|a, e| multiple_of(&4e20f64, Decimal::new(2, 0), a, e)).is_empty());
    }

    #[test]
    fn lengths_count_characters_items_and_properties() {
        assert!(errors_of(|a, e| max_length("héllo", 5, a, e)).is_empty());
        assert_eq!(errors_of(|a, e| min_length("ab", 3, a, e)), ["minLength"]);
        assert_eq!(
            errors_of(|a, e| max_length(&vec![1, 2, 3], 2, a, e)),
            ["maxItems"]
        );
        let map: BTreeMap<String, u8> = BTreeMap::new();
        assert_eq!(
            errors_of(|a, e| min_length(&map, 1, a, e)),
            ["minProperties"]
        );
    }

    #[test]
    fn patterns_search_and_values_compare_as_json() {
        let re = compile_pattern("^[A-Z]{3}$");
        assert!(errors_of(|a, e| pattern("EUR", &re, "^[A-Z]{3}$", a, e)).is_empty());
        assert_eq!(
            errors_of(|a, e| pattern("eur", &re, "^[A-Z]{3}$", a, e)),
            ["pattern"]
        );
        let unanchored = compile_pattern("b");
        assert!(errors_of(|a, e| pattern("abc", &unanchored, "b", a, e)).is_empty());
        assert_eq!(
            errors_of(|a, e| unique_items(&[1.0f64, 2.0, 1.0], a, e)),
            ["uniqueItems"]
        );
        let allowed = [serde_json::json!(1), serde_json::json!("a")];
        assert!(errors_of(|a, e| enumeration(&1.0f64, &allowed, a, e)).is_empty());
        assert_eq!(errors_of(|a, e| enumeration("b", &allowed, a, e)), ["enum"]);
        assert_eq!(
            errors_of(|a, e| constant(&2, &serde_json::json!(1), a, e)),
            ["const"]
        );
    }

    #[test]
    fn wrappers_hold_the_value_and_none_has_nothing_to_check() {
        let none: Option<Option<String>> = None;
        let null: Option<Option<String>> = Some(None);
        let long: Option<Option<String>> = Some(Some("abcd".into()));
        for absent in [&none, &null] {
            assert!(errors_of(|a, e| max_length(absent, 3, a, e)).is_empty());
            assert!(errors_of(|a, e| format(absent, Format::Email, a, e)).is_empty());
        }
        assert_eq!(errors_of(|a, e| max_length(&long, 3, a, e)), ["maxLength"]);
        assert_eq!(
            errors_of(|a, e| maximum(&Box::new(Some(2.5f64)), Num::Int(2), a, e)),
            ["maximum"]
        );
        assert!(errors_of(|a, e| minimum(&None::<i64>, Num::Int(0), a, e)).is_empty());
        let re = compile_pattern("^a");
        let boxed: Box<str> = "b".into();
        assert_eq!(
            errors_of(|a, e| pattern(&Some(boxed), &re, "^a", a, e)),
            ["pattern"]
        );
        assert!(errors_of(|a, e| min_length(&None::<Vec<u8>>, 1, a, e)).is_empty());
        assert_eq!(
            errors_of(|a, e| min_length(&HashMap::<u32, u8>::new(), 1, a, e)),
            ["minProperties"]
        );
    }

    #[test]
    fn unique_items_compares_json_forms_of_tuples_and_sets() {
        assert_eq!(
            errors_of(|a, e| unique_items(&(1.0f64, 1u8), a, e)),
            ["uniqueItems"]
        );
        assert!(errors_of(|a, e| unique_items(&(true, 1), a, e)).is_empty());
        let reordered = (
            serde_json::json!({"a": [1, {"b": 2}], "c": null}),
            serde_json::json!({"c": null, "a": [1.0, {"b": 2.0}]}),
        );
        assert_eq!(
            errors_of(|a, e| unique_items(&reordered, a, e)),
            ["uniqueItems"]
        );
        assert!(errors_of(|a, e| unique_items(&BTreeSet::from([1, 2]), a, e)).is_empty());
        assert!(errors_of(|a, e| unique_items(&None::<(u8, u8)>, a, e)).is_empty());
        assert!(errors_of(|a, e| unique_items(&serde_json::json!("aa"), a, e)).is_empty());
        assert_eq!(
            errors_of(|a, e| max_length(&(1, 2, 3), 2, a, e)),
            ["maxItems"]
        );
    }

    #[test]
    fn map_keys_are_written_as_json_writes_them() {
        let counts = Some(BTreeMap::from([(7u32, -1i64), (8, 1)]));
        let mut errors = ValidationErrors::new();
        let mut at = Pointer::root();
        let mark = at.push_key("counts");
        for (key, value) in Entries::entries(&counts) {
            at_key(key, &mut at, &mut errors, |at, errors| {
                minimum(value, Num::Int(0), at, errors)
            });
        }
        at.truncate(mark);
        let pointers: Vec<&str> = errors.iter().map(|v| v.pointer.as_str()).collect();
        assert_eq!(pointers, ["/counts/7"]);
        assert_eq!(key_text("a/b"), "a/b");
        assert_eq!(key_text(&-3i64), "-3");
        let list = Some(vec![1u8, 2]);
        let items: Vec<&u8> = Sequence::elements(&list).collect();
        assert_eq!(items, [&1, &2]);
        assert_eq!(Sequence::elements(&None::<Vec<u8>>).count(), 0);
    }
}
