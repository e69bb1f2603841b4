//! The checks `#[derive(Validate)]` expands to, one function per JSON Schema keyword.
//!
//! Each function records a [`Violation`](crate::Violation) and returns; none stops at the
//! first problem. Numbers are compared exactly (an `i64` against an integer limit never goes
//! through `f64`), and `multipleOf` is exact for decimal divisors such as `0.01`.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::Value;

use crate::validate::{Pointer, ValidationErrors};

pub use crate::format::Format;
pub use crate::pattern::Pattern;
pub use crate::schema::Schema;

/// A number from a payload or a schema, kept exact where it is an integer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Num {
    /// An integer.
    Int(i128),
    /// A float.
    Float(f64),
}

impl Num {
    fn cmp(self, other: Num) -> Option<Ordering> {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => Some(a.cmp(&b)),
            (Num::Float(a), Num::Float(b)) => a.partial_cmp(&b),
            (Num::Int(a), Num::Float(b)) => cmp_int_float(a, b),
            (Num::Float(a), Num::Int(b)) => cmp_int_float(b, a).map(Ordering::reverse),
        }
    }
}

/// Compares an integer with a float exactly.
fn cmp_int_float(i: i128, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    if f >= 1.7e38 {
        return Some(Ordering::Less);
    }
    if f <= -1.7e38 {
        return Some(Ordering::Greater);
    }
    let floor = f.floor();
    match i.cmp(&(floor as i128)) {
        Ordering::Equal if f > floor => Some(Ordering::Less),
        other => Some(other),
    }
}

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Num::Int(i) => write!(f, "{i}"),
            Num::Float(x) => write!(f, "{x}"),
        }
    }
}

/// Numbers the range checks accept.
pub trait Numeric {
    /// The value as a [`Num`].
    fn num(&self) -> Num;
}

macro_rules! numeric_int {
    ($($t:ty),*) => {$(
        impl Numeric for $t {
            #[inline]
            fn num(&self) -> Num {
                Num::Int(*self as i128)
            }
        }
    )*};
}

numeric_int!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl Numeric for f64 {
    #[inline]
    fn num(&self) -> Num {
        Num::Float(*self)
    }
}

impl Numeric for f32 {
    #[inline]
    fn num(&self) -> Num {
        Num::Float(f64::from(*self))
    }
}

impl<T: Numeric + ?Sized> Numeric for &T {
    #[inline]
    fn num(&self) -> Num {
        (**self).num()
    }
}

#[inline]
fn compare(
    value: Num,
    limit: Num,
    ok: fn(Ordering) -> bool,
    keyword: &'static str,
    relation: &str,
    at: &Pointer,
    errors: &mut ValidationErrors,
) {
    let ordering = match (value, limit) {
        (Num::Int(a), Num::Int(b)) => Some(a.cmp(&b)),
        (Num::Float(a), Num::Float(b)) => a.partial_cmp(&b),
        _ => value.cmp(limit),
    };
    if !ordering.is_some_and(ok) {
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

/// An exact decimal `mantissa × 10^-scale`, for `multipleOf`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decimal {
    mantissa: i128,
    scale: u32,
}

impl Decimal {
    /// `mantissa × 10^-scale`: `Decimal::new(1, 2)` is 0.01.
    pub const fn new(mantissa: i128, scale: u32) -> Decimal {
        Decimal { mantissa, scale }
    }

    /// Parses decimal text (`0.01`, `5`, `1e-3`, `-2.5E2`).
    pub fn parse(text: &str) -> Option<Decimal> {
        let (number, exponent) = match text.find(['e', 'E']) {
            Some(i) => (&text[..i], text[i + 1..].parse::<i32>().ok()?),
            None => (text, 0),
        };
        let (negative, number) = match number.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, number.strip_prefix('+').unwrap_or(number)),
        };
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        let mut mantissa: i128 = 0;
        for b in whole.bytes().chain(fraction.bytes()) {
            if !b.is_ascii_digit() {
                return None;
            }
            mantissa = mantissa
                .checked_mul(10)?
                .checked_add(i128::from(b - b'0'))?;
        }
        let mut scale = fraction.len() as i32 - exponent;
        while scale < 0 {
            mantissa = mantissa.checked_mul(10)?;
            scale += 1;
        }
        if negative {
            mantissa = -mantissa;
        }
        Some(Decimal {
            mantissa,
            scale: scale as u32,
        })
    }

    /// The decimal of a float, from its shortest round-trip representation.
    fn of_f64(value: f64) -> Option<Decimal> {
        if !value.is_finite() {
            return None;
        }
        // Integral values need no formatting at all.
        if value.fract() == 0.0 && value.abs() < 1e30 {
            return Some(Decimal::new(value as i128, 0));
        }
        // Shortest round-trip digits, formatted on the stack: no allocation per check.
        let mut buf = StackText::default();
        std::fmt::Write::write_fmt(&mut buf, format_args!("{value:e}")).ok()?;
        Decimal::parse(buf.as_str())
    }

    /// Whether `self` is an integer multiple of `divisor`.
    fn is_multiple_of(self, divisor: Decimal) -> Option<bool> {
        if divisor.mantissa == 0 {
            return None;
        }
        let scale = self.scale.max(divisor.scale);
        let a = self
            .mantissa
            .checked_mul(10i128.checked_pow(scale - self.scale)?)?;
        let b = divisor
            .mantissa
            .checked_mul(10i128.checked_pow(scale - divisor.scale)?)?;
        Some(a % b == 0)
    }

    fn as_f64(self) -> f64 {
        self.mantissa as f64 / 10f64.powi(self.scale as i32)
    }
}

/// A small text buffer on the stack (floats print in at most 26 bytes as `{:e}`).
#[derive(Default)]
struct StackText {
    bytes: [u8; 32],
    len: usize,
}

impl StackText {
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.bytes.len() {
            return Err(std::fmt::Error);
        }
        self.bytes[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl std::fmt::Display for Decimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.as_f64())
    }
}

/// `multipleOf`, exact for decimal divisors (`19.99` is a multiple of `0.01`).
#[inline]
pub fn multiple_of<N: Numeric + ?Sized>(
    value: &N,
    divisor: Decimal,
    at: &Pointer,
    errors: &mut ValidationErrors,
) {
    let num = value.num();
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
    let Some(&scale) = POW10.get(divisor.scale as usize) else {
        return false;
    };
    if divisor.mantissa <= 0 || divisor.mantissa > 1 << 40 {
        return false;
    }
    let step = divisor.mantissa as f64;
    let steps = (value * scale / step).round();
    // Integers below 2^53 multiply exactly; `/ scale` then rounds once, like parsing would.
    let multiple = steps * step;
    multiple.abs() < 9.0e15 && multiple / scale == value
}

/// Things with a length: characters of strings, items of sequences, properties of maps.
pub trait Length {
    /// The length in its unit.
    fn length(&self) -> usize;
    /// `minLength`, `minItems` or `minProperties`.
    const MIN_KEYWORD: &'static str;
    /// `maxLength`, `maxItems` or `maxProperties`.
    const MAX_KEYWORD: &'static str;
}

impl Length for str {
    fn length(&self) -> usize {
        self.chars().count()
    }
    const MIN_KEYWORD: &'static str = "minLength";
    const MAX_KEYWORD: &'static str = "maxLength";
}

impl Length for String {
    fn length(&self) -> usize {
        self.as_str().length()
    }
    const MIN_KEYWORD: &'static str = "minLength";
    const MAX_KEYWORD: &'static str = "maxLength";
}

impl<T> Length for [T] {
    fn length(&self) -> usize {
        self.len()
    }
    const MIN_KEYWORD: &'static str = "minItems";
    const MAX_KEYWORD: &'static str = "maxItems";
}

impl<T> Length for Vec<T> {
    fn length(&self) -> usize {
        self.len()
    }
    const MIN_KEYWORD: &'static str = "minItems";
    const MAX_KEYWORD: &'static str = "maxItems";
}

impl<T, const N: usize> Length for [T; N] {
    fn length(&self) -> usize {
        N
    }
    const MIN_KEYWORD: &'static str = "minItems";
    const MAX_KEYWORD: &'static str = "maxItems";
}

impl<T> Length for BTreeMap<String, T> {
    fn length(&self) -> usize {
        self.len()
    }
    const MIN_KEYWORD: &'static str = "minProperties";
    const MAX_KEYWORD: &'static str = "maxProperties";
}

impl<T, S> Length for HashMap<String, T, S> {
    fn length(&self) -> usize {
        self.len()
    }
    const MIN_KEYWORD: &'static str = "minProperties";
    const MAX_KEYWORD: &'static str = "maxProperties";
}

impl Length for serde_json::Map<String, Value> {
    fn length(&self) -> usize {
        self.len()
    }
    const MIN_KEYWORD: &'static str = "minProperties";
    const MAX_KEYWORD: &'static str = "maxProperties";
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
    let len = value.length();
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
    let len = value.length();
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

/// `pattern`: the regex matches somewhere in `value` (JSON Schema patterns are not anchored).
#[inline]
pub fn pattern(
    value: &str,
    regex: &Pattern,
    source: &str,
    at: &Pointer,
    errors: &mut ValidationErrors,
) {
    if !regex.is_match(value) {
        errors.push(
            at,
            "pattern",
            format!("{value:?} does not match `{source}`"),
        );
    }
}

/// `uniqueItems`, by JSON equality (`1` and `1.0` are the same item).
pub fn unique_items<T: Serialize>(items: &[T], at: &Pointer, errors: &mut ValidationErrors) {
    let values: Vec<Value> = items
        .iter()
        .map(|i| serde_json::to_value(i).unwrap_or(Value::Null))
        .collect();
    for (i, a) in values.iter().enumerate() {
        if let Some(j) = values[..i].iter().position(|b| crate::json::equal(a, b)) {
            errors.push(at, "uniqueItems", format!("items {j} and {i} are equal"));
            return;
        }
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
pub fn format(value: &str, format: Format, at: &Pointer, errors: &mut ValidationErrors) {
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
}
