//! Numbers as validation sees them, compared exactly.
//!
//! Integers compare exactly with floats, and `multipleOf` uses exact decimals.
//!
//! Typed checks ([`crate::checks`]), the schema evaluator ([`crate::schema`]) and JSON
//! equality ([`crate::json::equal`]) all compare numbers here, so that `1.0 == 1`, an
//! `i64` against a float limit and `19.99 % 0.01` mean the same thing everywhere.

use std::cmp::Ordering;
use std::fmt;

use serde_json::Number;

/// A number from a payload or a schema, kept exact where it is an integer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Num {
    /// An integer.
    Int(i128),
    /// A float.
    Float(f64),
}

impl Num {
    /// Compares two numbers by value, exactly: an integer is never rounded to an `f64`.
    pub(crate) fn cmp(self, other: Num) -> Option<Ordering> {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => Some(a.cmp(&b)),
            (Num::Float(a), Num::Float(b)) => a.partial_cmp(&b),
            (Num::Int(a), Num::Float(b)) => cmp_int_float(a, b),
            (Num::Float(a), Num::Int(b)) => cmp_int_float(b, a).map(Ordering::reverse),
        }
    }

    /// The value of a JSON number: exact for every `i64` and `u64`.
    pub(crate) fn of(n: &Number) -> Option<Num> {
        match integer(n) {
            Some(i) => Some(Num::Int(i)),
            None => n.as_f64().map(Num::Float),
        }
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Num::Int(i) => write!(f, "{i}"),
            Num::Float(x) => write!(f, "{x}"),
        }
    }
}

/// 2^127: the first power of two past `i128::MAX`, exact as an `f64`.
const TWO_POW_127: f64 = 170_141_183_460_469_231_731_687_303_715_884_105_728.0;

/// Compares an integer with a float exactly; `None` when the float is NaN.
///
/// Every finite `f64` in `[-2^127, 2^127)` has a floor that is a whole number within `i128`,
/// so the cast of the floor is exact; floats outside that range are beyond every `i128`.
pub(crate) fn cmp_int_float(i: i128, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    if f >= TWO_POW_127 {
        return Some(Ordering::Less);
    }
    if f < -TWO_POW_127 {
        return Some(Ordering::Greater);
    }
    let floor = f.floor();
    match i.cmp(&(floor as i128)) {
        Ordering::Equal if f > floor => Some(Ordering::Less),
        other => Some(other),
    }
}

/// The number as an integer, if serde_json holds it as one (`1`, not `1.0`).
pub(crate) fn integer(n: &Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

/// Whether the number has no fractional part (`1.0` is an integer).
pub(crate) fn is_integer(n: &Number) -> bool {
    n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
}

/// Whether the number is below zero.
pub(crate) fn is_negative(n: &Number) -> bool {
    n.as_i64().is_some_and(|i| i < 0) || n.as_f64().is_some_and(|f| f < 0.0)
}

/// Compares two JSON numbers by value, exactly.
pub(crate) fn compare(a: &Number, b: &Number) -> Option<Ordering> {
    Num::of(a)?.cmp(Num::of(b)?)
}

/// Whether two JSON numbers have the same value (`1 == 1.0`).
pub(crate) fn equal(a: &Number, b: &Number) -> bool {
    match (Num::of(a), Num::of(b)) {
        (Some(x), Some(y)) => x.cmp(y) == Some(Ordering::Equal),
        // Only reachable with serde_json's `arbitrary_precision`, for numbers beyond f64.
        _ => a == b,
    }
}

/// The integer a whole float equals, where it is within `i128`: how a hash keeps `1.0` and
/// `1` together.
pub(crate) fn whole(f: f64) -> Option<i128> {
    (f.fract() == 0.0 && (-TWO_POW_127..TWO_POW_127).contains(&f)).then_some(f as i128)
}

/// An exact decimal `mantissa × 10^exponent`, for `multipleOf` (`0.01` is `1 × 10^-2`).
///
/// Floats become the decimal they are written as (their shortest round-trip text, as JSON
/// writes them), so `19.99` is a multiple of `0.01`, which floating-point division gets
/// wrong. Kept with no trailing zeros in the mantissa: equal values are equal decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decimal {
    mantissa: i128,
    exponent: i32,
}

impl Decimal {
    /// `mantissa × 10^-scale`: `Decimal::new(1, 2)` is 0.01.
    pub const fn new(mantissa: i128, scale: u32) -> Decimal {
        Decimal::with_exponent(
            mantissa,
            -(if scale > i32::MAX as u32 {
                i32::MAX
            } else {
                scale as i32
            }),
        )
    }

    /// `mantissa × 10^exponent`, without trailing zeros in the mantissa.
    pub(crate) const fn with_exponent(mut mantissa: i128, mut exponent: i32) -> Decimal {
        while mantissa != 0 && mantissa % 10 == 0 {
            mantissa /= 10;
            exponent += 1;
        }
        Decimal { mantissa, exponent }
    }

    /// The decimal that a literal's text writes (`"0.01"`, `"1e-3"`, `"5"`, `"-2.5E+3"`), in
    /// constant context too: `const { Decimal::from_literal("0.01") }` turns a bad literal
    /// into a compile error.
    ///
    /// # Panics
    /// If `text` is not a decimal number, or its digits do not fit an `i128`.
    pub const fn from_literal(text: &str) -> Decimal {
        match Decimal::parse_bytes(text.as_bytes()) {
            Some(decimal) => decimal,
            None => panic!("not a decimal literal (digits, an optional `.` and exponent)"),
        }
    }

    /// Parses decimal text (`0.01`, `5`, `1e-3`, `-2.5E2`); `None` when it is not a decimal.
    pub fn parse(text: &str) -> Option<Decimal> {
        Decimal::parse_bytes(text.as_bytes())
    }

    /// The grammar of [`parse`](Self::parse), written for constant evaluation (no iterators,
    /// no `?`): `[+-]digits[.digits][(e|E)[+-]digits]`, with digits on at least one side of
    /// the point.
    const fn parse_bytes(bytes: &[u8]) -> Option<Decimal> {
        let mut i = 0;
        let negative = i < bytes.len() && bytes[i] == b'-';
        if i < bytes.len() && (bytes[i] == b'-' || bytes[i] == b'+') {
            i += 1;
        }
        let mut mantissa: i128 = 0;
        let mut digits = 0;
        let mut fraction_digits: i64 = 0;
        let mut seen_point = false;
        while i < bytes.len() {
            let b = bytes[i];
            if b.is_ascii_digit() {
                mantissa = match mantissa.checked_mul(10) {
                    Some(m) => match m.checked_add((b - b'0') as i128) {
                        Some(m) => m,
                        None => return None,
                    },
                    None => return None,
                };
                digits += 1;
                if seen_point {
                    fraction_digits += 1;
                }
            } else if b == b'.' && !seen_point {
                seen_point = true;
            } else {
                break;
            }
            i += 1;
        }
        if digits == 0 {
            return None;
        }
        let mut exponent: i64 = 0;
        if i < bytes.len() {
            if bytes[i] != b'e' && bytes[i] != b'E' {
                return None;
            }
            i += 1;
            let negative_exponent = i < bytes.len() && bytes[i] == b'-';
            if i < bytes.len() && (bytes[i] == b'-' || bytes[i] == b'+') {
                i += 1;
            }
            if i == bytes.len() {
                return None;
            }
            while i < bytes.len() {
                if !bytes[i].is_ascii_digit() || exponent > i32::MAX as i64 {
                    return None;
                }
                exponent = exponent * 10 + (bytes[i] - b'0') as i64;
                i += 1;
            }
            if negative_exponent {
                exponent = -exponent;
            }
        }
        let exponent = exponent - fraction_digits;
        if exponent < i32::MIN as i64 || exponent > i32::MAX as i64 {
            return None;
        }
        if negative {
            mantissa = -mantissa;
        }
        Some(Decimal::with_exponent(mantissa, exponent as i32))
    }

    /// The decimal a float is written as: its shortest round-trip text (`0.1`, not the
    /// binary value's 55 digits).
    pub(crate) fn of_f64(value: f64) -> Option<Decimal> {
        if !value.is_finite() {
            return None;
        }
        // Below 2^53 a whole float is its own shortest text: no formatting needed.
        if value.fract() == 0.0 && value.abs() < 9_007_199_254_740_992.0 {
            return Some(Decimal::with_exponent(value as i128, 0));
        }
        // `{:e}` writes the shortest digits that read back as `value`, on the stack here.
        let mut text = StackText::default();
        fmt::Write::write_fmt(&mut text, format_args!("{value:e}")).ok()?;
        Decimal::parse(text.as_str())
    }

    /// The decimal of a JSON number.
    pub(crate) fn of_number(n: &Number) -> Option<Decimal> {
        match integer(n) {
            Some(i) => Some(Decimal::with_exponent(i, 0)),
            None => Decimal::of_f64(n.as_f64()?),
        }
    }

    /// The mantissa, for the floating-point fast path.
    pub(crate) fn mantissa(self) -> i128 {
        self.mantissa
    }

    /// The power of ten.
    pub(crate) fn exponent(self) -> i32 {
        self.exponent
    }

    /// Whether `self` is a whole multiple of `divisor`; `None` for a zero divisor or (with
    /// a divisor mantissa beyond 64 bits) when the exact arithmetic would overflow.
    pub(crate) fn is_multiple_of(self, divisor: Decimal) -> Option<bool> {
        if divisor.mantissa == 0 {
            return None;
        }
        if self.mantissa == 0 {
            return Some(true);
        }
        // Without trailing zeros, `self.mantissa` has no multiple of `d × 10^k` (k > 0).
        if self.exponent < divisor.exponent {
            return Some(false);
        }
        let (a, d) = (
            self.mantissa.unsigned_abs(),
            divisor.mantissa.unsigned_abs(),
        );
        let k = self.exponent.abs_diff(divisor.exponent);
        if d <= u128::from(u64::MAX) {
            // a × 10^k ≡ 0 (mod d); each product of two residues fits in u128.
            return Some(((a % d) * pow10_mod(k, d)).is_multiple_of(d));
        }
        let scaled = a.checked_mul(10u128.checked_pow(k)?)?;
        Some(scaled.is_multiple_of(d))
    }

    /// The nearest `f64`.
    pub(crate) fn as_f64(self) -> f64 {
        let m = self.mantissa as f64;
        if self.exponent < 0 {
            m / 10f64.powi(-self.exponent)
        } else {
            m * 10f64.powi(self.exponent)
        }
    }

    /// The same magnitude, positive.
    #[cfg(test)]
    pub(crate) fn abs(self) -> Decimal {
        Decimal {
            mantissa: self.mantissa.abs(),
            exponent: self.exponent,
        }
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_f64())
    }
}

/// `10^k mod m` for `0 < m < 2^64`, so every product fits in `u128`.
fn pow10_mod(mut k: u32, m: u128) -> u128 {
    let (mut result, mut base) = (1 % m, 10 % m);
    while k > 0 {
        if k & 1 == 1 {
            result = result * base % m;
        }
        base = base * base % m;
        k >>= 1;
    }
    result
}

/// A small text buffer on the stack, for formatting a float without allocating (a float
/// prints in at most 26 bytes as `{:e}`).
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

impl fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let slot = self.bytes.get_mut(self.len..end).ok_or(fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The exact order of `i` and `f`, from `f`'s bits: `f = ±m × 2^e` with an integer `m`,
    /// split into its whole part and whether a fraction remains. No float arithmetic.
    fn reference(i: i128, f: f64) -> Option<Ordering> {
        if f.is_nan() {
            return None;
        }
        if f.is_infinite() {
            return Some(if f > 0.0 {
                Ordering::Less
            } else {
                Ordering::Greater
            });
        }
        let bits = f.to_bits();
        let negative = bits >> 63 == 1;
        let biased = ((bits >> 52) & 0x7ff) as i32;
        let fraction = bits & ((1 << 52) - 1);
        let (m, e) = if biased == 0 {
            (fraction, -1074)
        } else {
            (fraction | (1 << 52), biased - 1075)
        };
        // |f| = whole + (a fraction, when `rest`); `None` for whole beyond 2^128.
        let (whole, rest): (Option<u128>, bool) = if m == 0 {
            (Some(0), false)
        } else if e >= 0 {
            let bits_needed = 64 - m.leading_zeros() as i32 + e;
            if bits_needed > 128 {
                (None, false)
            } else {
                (Some(u128::from(m) << e), false)
            }
        } else if -e >= 64 {
            (Some(0), true)
        } else {
            let shift = (-e) as u32;
            (Some(u128::from(m >> shift)), m & ((1u64 << shift) - 1) != 0)
        };
        let beyond = Some(if negative {
            Ordering::Greater
        } else {
            Ordering::Less
        });
        let Some(whole) = whole else {
            return beyond;
        };
        if !negative {
            let Ok(whole) = i128::try_from(whole) else {
                return beyond;
            };
            return Some(match i.cmp(&whole) {
                Ordering::Equal if rest => Ordering::Less,
                other => other,
            });
        }
        // f = -(whole + fraction), at least i128::MIN when whole <= 2^127.
        let Some(negated) = 0i128.checked_sub_unsigned(whole) else {
            return beyond;
        };
        Some(match i.cmp(&negated) {
            // i >= -whole is above -(whole + fraction).
            Ordering::Equal if rest => Ordering::Greater,
            other => other,
        })
    }

    /// Floats a few ulps around `base`, and integers a little around it.
    fn near(bases: &'static [f64]) -> impl Strategy<Value = (i128, f64)> {
        (
            prop::sample::select(bases),
            -4i64..=4,
            -300i128..=300,
            any::<bool>(),
        )
            .prop_map(|(base, ulps, delta, negate)| {
                let base = if negate { -base } else { base };
                let f = f64::from_bits((base.to_bits() as i64 + ulps) as u64);
                let i = if base.abs() >= TWO_POW_127 {
                    if base > 0.0 {
                        i128::MAX - delta.abs()
                    } else {
                        i128::MIN + delta.abs()
                    }
                } else {
                    (base as i128).saturating_add(delta)
                };
                (i, f)
            })
    }

    const EDGES: &[f64] = &[
        9_007_199_254_740_992.0,                               // 2^53
        9_223_372_036_854_775_808.0,                           // 2^63
        18_446_744_073_709_551_616.0,                          // 2^64
        1.7e38, // the limit a copy of this code once used
        170_141_183_460_469_231_731_687_303_715_884_105_728.0, // 2^127
        0.5,
        1.0,
    ];

    proptest! {
        #[test]
        fn int_float_order_is_exact_near_the_edges((i, f) in near(EDGES)) {
            prop_assert_eq!(cmp_int_float(i, f), reference(i, f));
        }

        #[test]
        fn int_float_order_is_exact_anywhere(i in any::<i128>(), bits in any::<u64>()) {
            let f = f64::from_bits(bits);
            prop_assert_eq!(cmp_int_float(i, f), reference(i, f));
        }

        #[test]
        fn u64_and_i64_against_floats_are_exact(u in any::<u64>(), s in any::<i64>(), bits in any::<u64>()) {
            let f = f64::from_bits(bits);
            prop_assert_eq!(cmp_int_float(i128::from(u), f), reference(i128::from(u), f));
            prop_assert_eq!(cmp_int_float(i128::from(s), f), reference(i128::from(s), f));
            prop_assert_eq!(cmp_int_float(i128::from(u), u as f64), reference(i128::from(u), u as f64));
        }
    }

    #[test]
    fn between_the_old_limit_and_2_pow_127() {
        // 1.7e38 < i128::MAX < 2^127: a float limit there is above some i128 values only.
        let f = 1.7e38;
        assert_eq!(cmp_int_float(i128::MAX, f), Some(Ordering::Greater));
        assert_eq!(cmp_int_float(i128::MIN, -f), Some(Ordering::Less));
        assert_eq!(
            cmp_int_float(i128::MIN, -TWO_POW_127),
            Some(Ordering::Equal)
        );
        assert_eq!(cmp_int_float(i128::MAX, TWO_POW_127), Some(Ordering::Less));
        assert_eq!(cmp_int_float(0, f64::NAN), None);
    }

    #[test]
    fn literals_become_decimals_in_const_context() {
        const CENT: Decimal = Decimal::from_literal("0.01");
        assert_eq!(CENT, Decimal::new(1, 2));
        assert_eq!(Decimal::from_literal("1e-3"), Decimal::new(1, 3));
        assert_eq!(Decimal::from_literal("5"), Decimal::new(5, 0));
        assert_eq!(
            Decimal::from_literal("-2.5E+3"),
            Decimal::with_exponent(-25, 2)
        );
        assert_eq!(Decimal::from_literal("+.5"), Decimal::new(5, 1));
        assert_eq!(Decimal::from_literal("5."), Decimal::new(5, 0));
        assert_eq!(Decimal::from_literal("1.50"), Decimal::new(15, 1));
        // The forms `#[validate(multiple_of = ...)]` literals take (the derive passes their
        // text here).
        assert_eq!(Decimal::from_literal("0.01"), Decimal::new(1, 2));
        assert_eq!(Decimal::from_literal("2.5e2"), Decimal::new(250, 0));
        assert_eq!(Decimal::from_literal("0.50"), Decimal::new(5, 1));
        assert_eq!(Decimal::from_literal("1e40").exponent(), 40);
        for bad in [
            "", "-", ".", "1e", "1e+", "abc", "1.2.3", "1 ", "0x10", "1e-", "--1",
        ] {
            assert_eq!(Decimal::parse(bad), None, "{bad:?}");
            assert!(std::panic::catch_unwind(|| Decimal::from_literal(bad)).is_err());
        }
        // Too many digits for an i128.
        assert_eq!(Decimal::parse(&"9".repeat(40)), None);
    }

    #[test]
    fn multiples_are_exact_for_any_exponent() {
        let d = |text| Decimal::parse(text).unwrap();
        assert_eq!(d("19.99").is_multiple_of(d("0.01")), Some(true));
        assert_eq!(d("0.075").is_multiple_of(d("0.01")), Some(false));
        assert_eq!(d("1e308").is_multiple_of(d("1e300")), Some(true));
        assert_eq!(d("1e300").is_multiple_of(d("1e308")), Some(false));
        assert_eq!(d("10").is_multiple_of(d("0")), None);
        assert_eq!(Decimal::of_f64(0.07), Some(Decimal::new(7, 2)));
        assert_eq!(
            Decimal::of_f64(1.5e300),
            Some(Decimal::with_exponent(15, 299))
        );
    }

    #[test]
    fn decimals_come_from_the_shortest_text() {
        // Magnitudes: the sign plays no part in `multipleOf`.
        let of =
            |f: f64| Decimal::of_number(&Number::from_f64(f).unwrap_or(0.into())).map(Decimal::abs);
        let decimal = Decimal::with_exponent;
        assert_eq!(of(0.01), Some(decimal(1, -2)));
        assert_eq!(of(-19.99), Some(decimal(1999, -2)));
        assert_eq!(of(1.5e300), Some(decimal(15, 299)));
        assert_eq!(of(1200.0), Some(decimal(12, 2)));
        assert_eq!(
            Decimal::of_number(&Number::from(100u64)),
            Some(decimal(1, 2))
        );
        assert_eq!(Decimal::of_number(&Number::from(0u64)), Some(decimal(0, 0)));
    }
}
