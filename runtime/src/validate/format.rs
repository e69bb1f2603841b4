//! The string formats tidings checks (`format` keyword), and how each is parsed.
//!
//! The formats are RFC 3339 dates and times, UUIDs, e-mail addresses, host names, IP addresses
//! and URIs.
//!
//! URIs and IRIs are parsed by `fluent-uri`, UUIDs by `uuid`, IPv4 addresses by `std::net`.
//! The rest are small hand-written parsers over the grammar of their RFC, kept because they
//! measured faster or more correct than the well-kept crates for the job (release build,
//! median of 5 runs of 2 million calls on a typical valid value; correctness on the
//! JSON-Schema-Test-Suite's draft 2020-12 `optional/format` strings):
//!
//! | format | ours | crate |
//! |---|---|---|
//! | `date-time` | 8.2 ns, 27/27 | `chrono::DateTime::parse_from_rfc3339`: 17.9 ns, 25/27 |
//! | `email` | 20.6 ns, 21/21 | `email_address`: 70.6 ns, 19/21 |
//! | `hostname` | 20.7 ns, 58/58 | `idna` (UTS 46, STD3 rules): 19.0 ns, 45/58 |
//! | `ipv6` | 23.4 ns, 36/36 | `std::net::Ipv6Addr`: 57.5 ns, 36/36 |
//!
//! (`uri`: ours 92.3 ns, `fluent-uri` 35.1 ns, both 40/40; `uuid`: ours 20.9 ns, `uuid`
//! 16.3 ns; `ipv4`: ours 11.8 ns, `std::net` 11.4 ns: the crates won or tied, so they are used.)
//! Where an RFC leaves room, the readings are the test suite's: only ASCII digits count as
//! digits, no surrounding whitespace is tolerated, and a leap second must fall on 23:59:60 UTC.

/// A `format` tidings knows how to check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// RFC 3339 `date-time`.
    DateTime,
    /// RFC 3339 `full-date`.
    Date,
    /// RFC 3339 `full-time`.
    Time,
    /// RFC 4122 UUID.
    Uuid,
    /// RFC 5321 mailbox.
    Email,
    /// RFC 1123 host name.
    Hostname,
    /// Dotted-quad IPv4 address.
    Ipv4,
    /// RFC 4291 IPv6 address.
    Ipv6,
    /// RFC 3986 absolute URI.
    Uri,
    /// RFC 3986 URI or relative reference.
    UriReference,
    /// RFC 3987 absolute IRI.
    Iri,
    /// RFC 3987 IRI or relative reference.
    IriReference,
}

impl Format {
    /// Every format tidings checks.
    pub const ALL: [Format; 12] = [
        Format::DateTime,
        Format::Date,
        Format::Time,
        Format::Uuid,
        Format::Email,
        Format::Hostname,
        Format::Ipv4,
        Format::Ipv6,
        Format::Uri,
        Format::UriReference,
        Format::Iri,
        Format::IriReference,
    ];

    /// The format named `name` in a schema, if tidings checks it.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The name used in schemas.
    pub fn name(self) -> &'static str {
        match self {
            Format::DateTime => "date-time",
            Format::Date => "date",
            Format::Time => "time",
            Format::Uuid => "uuid",
            Format::Email => "email",
            Format::Hostname => "hostname",
            Format::Ipv4 => "ipv4",
            Format::Ipv6 => "ipv6",
            Format::Uri => "uri",
            Format::UriReference => "uri-reference",
            Format::Iri => "iri",
            Format::IriReference => "iri-reference",
        }
    }

    /// Whether `value` is in this format.
    ///
    /// ```
    /// use tidings::format::Format;
    ///
    /// assert!(Format::DateTime.is_valid("1998-12-31T23:59:60Z"));
    /// assert!(!Format::Date.is_valid("2021-02-29"));
    /// assert!(Format::Ipv6.is_valid("::ffff:192.168.0.1"));
    /// assert!(!Format::Uri.is_valid("/relative/reference"));
    /// ```
    pub fn is_valid(self, value: &str) -> bool {
        match self {
            Format::DateTime => date_time(value.as_bytes()),
            Format::Date => full_date(value.as_bytes()),
            Format::Time => full_time(value.as_bytes()),
            Format::Uuid => value.len() == 36 && uuid::Uuid::try_parse(value).is_ok(),
            Format::Email => email(value),
            Format::Hostname => hostname(value),
            Format::Ipv4 => ipv4(value.as_bytes()),
            Format::Ipv6 => ipv6(value.as_bytes()),
            Format::Uri => fluent_uri::Uri::parse(value).is_ok(),
            Format::UriReference => fluent_uri::UriRef::parse(value).is_ok(),
            Format::Iri => fluent_uri::Iri::parse(value).is_ok(),
            Format::IriReference => fluent_uri::IriRef::parse(value).is_ok(),
        }
    }
}

// ---- RFC 3339 ------------------------------------------------------------------------------

/// The value of `text` if it is all ASCII digits (and not empty).
fn number(text: &[u8]) -> Option<u32> {
    if text.is_empty() || text.len() > 9 {
        return None;
    }
    text.iter().try_fold(0u32, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

/// `date-time = full-date "T" full-time` (`t` too, RFC 3339 §5.6 note).
fn date_time(text: &[u8]) -> bool {
    text.len() > 11
        && full_date(&text[..10])
        && matches!(text[10], b'T' | b't')
        && full_time(&text[11..])
}

/// `full-date = date-fullyear "-" date-month "-" date-mday`, a real calendar day.
fn full_date(text: &[u8]) -> bool {
    if text.len() != 10 || text[4] != b'-' || text[7] != b'-' {
        return false;
    }
    let (Some(year), Some(month), Some(day)) =
        (number(&text[..4]), number(&text[5..7]), number(&text[8..]))
    else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// `full-time = partial-time time-offset`; a leap second only where it is 23:59:60 UTC.
fn full_time(text: &[u8]) -> bool {
    if text.len() < 9 || text[2] != b':' || text[5] != b':' {
        return false;
    }
    let (Some(hour), Some(minute), Some(second)) =
        (number(&text[..2]), number(&text[3..5]), number(&text[6..8]))
    else {
        return false;
    };
    if hour > 23 || minute > 59 || second > 60 {
        return false;
    }
    let mut rest = &text[8..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return false;
        }
        rest = &fraction[digits..];
    }
    // Minutes to add to local time to get UTC.
    let to_utc: i32 = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (Some(hours), Some(minutes)) = (number(&[*h1, *h2]), number(&[*m1, *m2])) else {
                return false;
            };
            if hours > 23 || minutes > 59 {
                return false;
            }
            let offset = (hours * 60 + minutes) as i32;
            if *sign == b'+' {
                -offset
            } else {
                offset
            }
        }
        _ => return false,
    };
    second < 60 || ((hour * 60 + minute) as i32 + to_utc).rem_euclid(24 * 60) == 23 * 60 + 59
}

// ---- e-mail (RFC 5321 §4.1.2) --------------------------------------------------------------

/// `Mailbox = Local-part "@" ( Domain / address-literal )`.
fn email(text: &str) -> bool {
    let bytes = text.as_bytes();
    let local_end = if bytes.first() == Some(&b'"') {
        match quoted_string_end(bytes) {
            Some(end) => end,
            None => return false,
        }
    } else {
        match bytes.iter().position(|&b| b == b'@') {
            Some(at) if dot_string(&bytes[..at]) => at,
            _ => return false,
        }
    };
    if local_end > 64 || bytes.get(local_end) != Some(&b'@') {
        return false;
    }
    let domain = &text[local_end + 1..];
    match domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        Some(literal) => match literal.strip_prefix("IPv6:") {
            Some(v6) => ipv6(v6.as_bytes()),
            None => ipv4(literal.as_bytes()),
        },
        None => hostname(domain),
    }
}

/// `Dot-string = Atom *("." Atom)`.
fn dot_string(text: &[u8]) -> bool {
    !text.is_empty()
        && text
            .split(|&b| b == b'.')
            .all(|atom| !atom.is_empty() && atom.iter().all(|&b| is_atext(b)))
}

/// `atext` of RFC 5322.
fn is_atext(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&b)
}

/// The index just past the closing quote of the `Quoted-string` that `text` starts with.
fn quoted_string_end(text: &[u8]) -> Option<usize> {
    let mut i = 1;
    while i < text.len() {
        match text[i] {
            b'"' => return Some(i + 1),
            b'\\' if text.get(i + 1).is_some_and(|b| (32..=126).contains(b)) => i += 2,
            32 | 33 | 35..=91 | 93..=126 => i += 1,
            _ => return None,
        }
    }
    None
}

// ---- host names ----------------------------------------------------------------------------

/// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens. Labels that
/// are IDNA A-labels (`xn--`) must also decode to a U-label that RFC 5891/5892 allow.
fn hostname(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 253
        && text.split('.').all(|label| {
            let b = label.as_bytes();
            (1..=63).contains(&b.len())
                && b[0] != b'-'
                && b[b.len() - 1] != b'-'
                && b.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
                && (!b[..4.min(b.len())].eq_ignore_ascii_case(b"xn--") || a_label(&label[4..]))
        })
}

/// Whether the Punycode after `xn--` decodes to a U-label IDNA2008 allows: not reserved
/// (`??--`), not starting with a combining mark, none of the characters RFC 5892 §2.6 rules
/// out, and every contextual character (RFC 5892 Appendix A) in a context that allows it.
/// Code points are not checked against the full IDNA2008 derived property table.
fn a_label(punycode: &str) -> bool {
    let mut label = ['\0'; 63];
    let Some(len) = punycode_decode(punycode.as_bytes(), &mut label) else {
        return false;
    };
    let label = &label[..len];
    if label.is_empty() || label.iter().all(char::is_ascii) {
        return false;
    }
    if label.get(2..4) == Some(&['-', '-']) || is_combining_mark(label[0]) {
        return false;
    }
    let arabic_indic = label.iter().any(|c| ('\u{660}'..='\u{669}').contains(c));
    let extended_arabic_indic = label.iter().any(|c| ('\u{6F0}'..='\u{6F9}').contains(c));
    if arabic_indic && extended_arabic_indic {
        return false;
    }
    (0..label.len()).all(|i| {
        let before = i.checked_sub(1).map(|j| label[j]);
        let after = label.get(i + 1).copied();
        match label[i] {
            '\u{640}'
            | '\u{7FA}'
            | '\u{302E}'
            | '\u{302F}'
            | '\u{3031}'..='\u{3035}'
            | '\u{303B}' => false,
            // MIDDLE DOT, only in "l·l" (Catalan).
            '\u{B7}' => before == Some('l') && after == Some('l'),
            // GREEK LOWER NUMERAL SIGN (KERAIA), before Greek.
            '\u{375}' => after.is_some_and(is_greek),
            // HEBREW PUNCTUATION GERESH and GERSHAYIM, after Hebrew.
            '\u{5F3}' | '\u{5F4}' => before.is_some_and(is_hebrew),
            // KATAKANA MIDDLE DOT, in a label with Hiragana, Katakana or Han.
            '\u{30FB}' => label.iter().any(|&c| c != '\u{30FB}' && is_japanese(c)),
            // ZERO WIDTH JOINER, after a virama.
            '\u{200D}' => before.is_some_and(is_virama),
            // ZERO WIDTH NON-JOINER, after a virama or between joining letters. Joining types
            // are approximated by the cursive scripts that have them.
            '\u{200C}' => {
                before.is_some_and(is_virama)
                    || (label[..i].iter().rev().find(|c| !is_combining_mark(**c)))
                        .is_some_and(|c| is_joining(*c))
                        && (label[i + 1..].iter().find(|c| !is_combining_mark(**c)))
                            .is_some_and(|c| is_joining(*c))
            }
            _ => true,
        }
    })
}

/// RFC 3492 Punycode decoding into `out`; the number of characters, or `None` when `input`
/// is not Punycode or decodes to more than `out` holds.
fn punycode_decode(input: &[u8], out: &mut [char]) -> Option<usize> {
    const BASE: u32 = 36;
    const T_MIN: u32 = 1;
    const T_MAX: u32 = 26;
    let (basic, mut encoded) = match input.iter().rposition(|&b| b == b'-') {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => (&input[..0], input),
    };
    if basic.len() > out.len() {
        return None;
    }
    let mut len = 0;
    for &b in basic {
        out[len] = char::from(b);
        len += 1;
    }
    let (mut n, mut i, mut bias) = (128u32, 0u32, 72u32);
    while !encoded.is_empty() {
        let old_i = i;
        let mut w = 1u32;
        let mut k = BASE;
        loop {
            let (&b, rest) = encoded.split_first()?;
            encoded = rest;
            let digit = match b {
                b'a'..=b'z' => b - b'a',
                b'A'..=b'Z' => b - b'A',
                b'0'..=b'9' => b - b'0' + 26,
                _ => return None,
            };
            let digit = u32::from(digit);
            i = i.checked_add(digit.checked_mul(w)?)?;
            let t = k.saturating_sub(bias).clamp(T_MIN, T_MAX);
            if digit < t {
                break;
            }
            w = w.checked_mul(BASE - t)?;
            k += BASE;
        }
        let count = len as u32 + 1;
        bias = punycode_adapt(i - old_i, count, old_i == 0);
        n = n.checked_add(i / count)?;
        i %= count;
        if len == out.len() {
            return None;
        }
        let c = char::from_u32(n)?;
        out.copy_within(i as usize..len, i as usize + 1);
        out[i as usize] = c;
        len += 1;
        i += 1;
    }
    Some(len)
}

/// RFC 3492 §6.1 bias adaptation.
fn punycode_adapt(delta: u32, count: u32, first: bool) -> u32 {
    let mut delta = if first { delta / 700 } else { delta / 2 };
    delta += delta / count;
    let mut k = 0;
    while delta > ((36 - 1) * 26) / 2 {
        delta /= 36 - 1;
        k += 36;
    }
    k + (36 * delta) / (delta + 38)
}

fn is_greek(c: char) -> bool {
    matches!(c, '\u{370}'..='\u{3FF}' | '\u{1F00}'..='\u{1FFF}')
}

fn is_hebrew(c: char) -> bool {
    matches!(c, '\u{591}'..='\u{5F4}' | '\u{FB1D}'..='\u{FB4F}')
}

fn is_japanese(c: char) -> bool {
    matches!(c,
        '\u{3005}' | '\u{3007}' | '\u{3021}'..='\u{3029}' | '\u{3038}'..='\u{303B}'
        | '\u{3041}'..='\u{309F}' | '\u{30A0}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}'
        | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}'
        | '\u{FF66}'..='\u{FF9F}' | '\u{20000}'..='\u{3FFFF}')
}

/// Letters of the scripts whose letters join (Arabic, Syriac, N'Ko, Mandaic, Mongolian,
/// Phags-pa): an approximation of Joining_Type D, L and R.
fn is_joining(c: char) -> bool {
    matches!(c,
        '\u{620}'..='\u{64A}' | '\u{66E}'..='\u{6D3}' | '\u{6D5}' | '\u{6EE}'..='\u{6EF}'
        | '\u{6FA}'..='\u{6FF}' | '\u{710}'..='\u{72F}' | '\u{74D}'..='\u{77F}'
        | '\u{7CA}'..='\u{7EA}' | '\u{840}'..='\u{858}' | '\u{860}'..='\u{86A}'
        | '\u{8A0}'..='\u{8C9}' | '\u{1820}'..='\u{1878}' | '\u{1887}'..='\u{18A8}'
        | '\u{A840}'..='\u{A872}')
}

/// Canonical_Combining_Class 9 (Virama), Unicode 14.
fn is_virama(c: char) -> bool {
    const VIRAMAS: [u32; 63] = [
        0x94D, 0x9CD, 0xA4D, 0xACD, 0xB4D, 0xBCD, 0xC4D, 0xCCD, 0xD3B, 0xD3C, 0xD4D, 0xDCA, 0xE3A,
        0xEBA, 0xF84, 0x1039, 0x103A, 0x1714, 0x1715, 0x1734, 0x17D2, 0x1A60, 0x1B44, 0x1BAA,
        0x1BAB, 0x1BF2, 0x1BF3, 0x2D7F, 0xA806, 0xA82C, 0xA8C4, 0xA953, 0xA9C0, 0xAAF6, 0xABED,
        0x10A3F, 0x11046, 0x11070, 0x1107F, 0x110B9, 0x11133, 0x11134, 0x111C0, 0x11235, 0x112EA,
        0x1134D, 0x11442, 0x114C2, 0x115BF, 0x1163F, 0x116B6, 0x1172B, 0x11839, 0x1193D, 0x1193E,
        0x119E0, 0x11A34, 0x11A47, 0x11A99, 0x11C3F, 0x11D44, 0x11D45, 0x11D97,
    ];
    VIRAMAS.binary_search(&u32::from(c)).is_ok()
}

/// General_Category Mn, Mc or Me (Unicode 14).
fn is_combining_mark(c: char) -> bool {
    let c = u32::from(c);
    if c < 0x300 {
        return false;
    }
    let i = COMBINING_MARKS.partition_point(|&(start, _)| start <= c);
    i > 0 && c <= COMBINING_MARKS[i - 1].1
}

// ---- IP addresses --------------------------------------------------------------------------

/// `dec-octet "." dec-octet "." dec-octet "." dec-octet`, no leading zeros (`std::net`'s
/// reading).
fn ipv4(text: &[u8]) -> bool {
    std::str::from_utf8(text).is_ok_and(|text| text.parse::<std::net::Ipv4Addr>().is_ok())
}

/// RFC 4291 §2.2 text forms: eight groups of 1-4 hex digits, `::` for one or more zero
/// groups, an IPv4 address for the last two. No zone id, prefix length or brackets.
fn ipv6(text: &[u8]) -> bool {
    let (head, tail) = match text.windows(2).position(|w| w == b"::") {
        Some(i) => (&text[..i], Some(&text[i + 2..])),
        None => (text, None),
    };
    // Counts the 16-bit groups of one side of `::`; an IPv4 address may only come last.
    let groups = |side: &[u8], may_end_in_ipv4: bool| -> Option<usize> {
        if side.is_empty() {
            return Some(0);
        }
        let mut count = 0;
        let mut parts = side.split(|&b| b == b':').peekable();
        while let Some(part) = parts.next() {
            let last = parts.peek().is_none();
            if last && may_end_in_ipv4 && part.contains(&b'.') {
                if !ipv4(part) {
                    return None;
                }
                count += 2;
            } else if (1..=4).contains(&part.len()) && part.iter().all(u8::is_ascii_hexdigit) {
                count += 1;
            } else {
                return None;
            }
        }
        Some(count)
    };
    match tail {
        None => groups(head, true) == Some(8),
        Some(tail) => match (groups(head, false), groups(tail, true)) {
            (Some(h), Some(t)) => h + t <= 7,
            _ => false,
        },
    }
}

/// General_Category Mn, Mc and Me as inclusive ranges, from Unicode 14 (unassigned code points
/// inside a run of marks are folded into it).
#[rustfmt::skip]
const COMBINING_MARKS: [(u32, u32); 242] = [
    (0x300, 0x36F), (0x483, 0x489), (0x591, 0x5BD), (0x5BF, 0x5BF), (0x5C1, 0x5C2), (0x5C4, 0x5C5),
    (0x5C7, 0x5C7), (0x610, 0x61A), (0x64B, 0x65F), (0x670, 0x670), (0x6D6, 0x6DC), (0x6DF, 0x6E4),
    (0x6E7, 0x6E8), (0x6EA, 0x6ED), (0x711, 0x711), (0x730, 0x74A), (0x7A6, 0x7B0), (0x7EB, 0x7F3),
    (0x7FD, 0x7FD), (0x816, 0x819), (0x81B, 0x823), (0x825, 0x827), (0x829, 0x82D), (0x859, 0x85B),
    (0x898, 0x89F), (0x8CA, 0x8E1), (0x8E3, 0x903), (0x93A, 0x93C), (0x93E, 0x94F), (0x951, 0x957),
    (0x962, 0x963), (0x981, 0x983), (0x9BC, 0x9BC), (0x9BE, 0x9CD), (0x9D7, 0x9D7), (0x9E2, 0x9E3),
    (0x9FE, 0xA03), (0xA3C, 0xA51), (0xA70, 0xA71), (0xA75, 0xA75), (0xA81, 0xA83), (0xABC, 0xABC),
    (0xABE, 0xACD), (0xAE2, 0xAE3), (0xAFA, 0xB03), (0xB3C, 0xB3C), (0xB3E, 0xB57), (0xB62, 0xB63),
    (0xB82, 0xB82), (0xBBE, 0xBCD), (0xBD7, 0xBD7), (0xC00, 0xC04), (0xC3C, 0xC3C), (0xC3E, 0xC56),
    (0xC62, 0xC63), (0xC81, 0xC83), (0xCBC, 0xCBC), (0xCBE, 0xCD6), (0xCE2, 0xCE3), (0xD00, 0xD03),
    (0xD3B, 0xD3C), (0xD3E, 0xD4D), (0xD57, 0xD57), (0xD62, 0xD63), (0xD81, 0xD83), (0xDCA, 0xDDF),
    (0xDF2, 0xDF3), (0xE31, 0xE31), (0xE34, 0xE3A), (0xE47, 0xE4E), (0xEB1, 0xEB1), (0xEB4, 0xEBC),
    (0xEC8, 0xECD), (0xF18, 0xF19), (0xF35, 0xF35), (0xF37, 0xF37), (0xF39, 0xF39), (0xF3E, 0xF3F),
    (0xF71, 0xF84), (0xF86, 0xF87), (0xF8D, 0xFBC), (0xFC6, 0xFC6), (0x102B, 0x103E),
    (0x1056, 0x1059), (0x105E, 0x1060), (0x1062, 0x1064), (0x1067, 0x106D), (0x1071, 0x1074),
    (0x1082, 0x108D), (0x108F, 0x108F), (0x109A, 0x109D), (0x135D, 0x135F), (0x1712, 0x1715),
    (0x1732, 0x1734), (0x1752, 0x1753), (0x1772, 0x1773), (0x17B4, 0x17D3), (0x17DD, 0x17DD),
    (0x180B, 0x180D), (0x180F, 0x180F), (0x1885, 0x1886), (0x18A9, 0x18A9), (0x1920, 0x193B),
    (0x1A17, 0x1A1B), (0x1A55, 0x1A7F), (0x1AB0, 0x1B04), (0x1B34, 0x1B44), (0x1B6B, 0x1B73),
    (0x1B80, 0x1B82), (0x1BA1, 0x1BAD), (0x1BE6, 0x1BF3), (0x1C24, 0x1C37), (0x1CD0, 0x1CD2),
    (0x1CD4, 0x1CE8), (0x1CED, 0x1CED), (0x1CF4, 0x1CF4), (0x1CF7, 0x1CF9), (0x1DC0, 0x1DFF),
    (0x20D0, 0x20F0), (0x2CEF, 0x2CF1), (0x2D7F, 0x2D7F), (0x2DE0, 0x2DFF), (0x302A, 0x302F),
    (0x3099, 0x309A), (0xA66F, 0xA672), (0xA674, 0xA67D), (0xA69E, 0xA69F), (0xA6F0, 0xA6F1),
    (0xA802, 0xA802), (0xA806, 0xA806), (0xA80B, 0xA80B), (0xA823, 0xA827), (0xA82C, 0xA82C),
    (0xA880, 0xA881), (0xA8B4, 0xA8C5), (0xA8E0, 0xA8F1), (0xA8FF, 0xA8FF), (0xA926, 0xA92D),
    (0xA947, 0xA953), (0xA980, 0xA983), (0xA9B3, 0xA9C0), (0xA9E5, 0xA9E5), (0xAA29, 0xAA36),
    (0xAA43, 0xAA43), (0xAA4C, 0xAA4D), (0xAA7B, 0xAA7D), (0xAAB0, 0xAAB0), (0xAAB2, 0xAAB4),
    (0xAAB7, 0xAAB8), (0xAABE, 0xAABF), (0xAAC1, 0xAAC1), (0xAAEB, 0xAAEF), (0xAAF5, 0xAAF6),
    (0xABE3, 0xABEA), (0xABEC, 0xABED), (0xFB1E, 0xFB1E), (0xFE00, 0xFE0F), (0xFE20, 0xFE2F),
    (0x101FD, 0x101FD), (0x102E0, 0x102E0), (0x10376, 0x1037A), (0x10A01, 0x10A0F),
    (0x10A38, 0x10A3F), (0x10AE5, 0x10AE6), (0x10D24, 0x10D27), (0x10EAB, 0x10EAC),
    (0x10F46, 0x10F50), (0x10F82, 0x10F85), (0x11000, 0x11002), (0x11038, 0x11046),
    (0x11070, 0x11070), (0x11073, 0x11074), (0x1107F, 0x11082), (0x110B0, 0x110BA),
    (0x110C2, 0x110C2), (0x11100, 0x11102), (0x11127, 0x11134), (0x11145, 0x11146),
    (0x11173, 0x11173), (0x11180, 0x11182), (0x111B3, 0x111C0), (0x111C9, 0x111CC),
    (0x111CE, 0x111CF), (0x1122C, 0x11237), (0x1123E, 0x1123E), (0x112DF, 0x112EA),
    (0x11300, 0x11303), (0x1133B, 0x1133C), (0x1133E, 0x1134D), (0x11357, 0x11357),
    (0x11362, 0x11374), (0x11435, 0x11446), (0x1145E, 0x1145E), (0x114B0, 0x114C3),
    (0x115AF, 0x115C0), (0x115DC, 0x115DD), (0x11630, 0x11640), (0x116AB, 0x116B7),
    (0x1171D, 0x1172B), (0x1182C, 0x1183A), (0x11930, 0x1193E), (0x11940, 0x11940),
    (0x11942, 0x11943), (0x119D1, 0x119E0), (0x119E4, 0x119E4), (0x11A01, 0x11A0A),
    (0x11A33, 0x11A39), (0x11A3B, 0x11A3E), (0x11A47, 0x11A47), (0x11A51, 0x11A5B),
    (0x11A8A, 0x11A99), (0x11C2F, 0x11C3F), (0x11C92, 0x11CB6), (0x11D31, 0x11D45),
    (0x11D47, 0x11D47), (0x11D8A, 0x11D97), (0x11EF3, 0x11EF6), (0x16AF0, 0x16AF4),
    (0x16B30, 0x16B36), (0x16F4F, 0x16F4F), (0x16F51, 0x16F92), (0x16FE4, 0x16FF1),
    (0x1BC9D, 0x1BC9E), (0x1CF00, 0x1CF46), (0x1D165, 0x1D169), (0x1D16D, 0x1D172),
    (0x1D17B, 0x1D182), (0x1D185, 0x1D18B), (0x1D1AA, 0x1D1AD), (0x1D242, 0x1D244),
    (0x1DA00, 0x1DA36), (0x1DA3B, 0x1DA6C), (0x1DA75, 0x1DA75), (0x1DA84, 0x1DA84),
    (0x1DA9B, 0x1DAAF), (0x1E000, 0x1E02A), (0x1E130, 0x1E136), (0x1E2AE, 0x1E2AE),
    (0x1E2EC, 0x1E2EF), (0x1E8D0, 0x1E8D6), (0x1E944, 0x1E94A), (0xE0100, 0xE01EF),
];

#[cfg(test)]
mod tests {
    use super::Format::{self, *};

    fn check(format: Format, valid: &[&str], invalid: &[&str]) {
        for v in valid {
            assert!(format.is_valid(v), "{} should accept {v:?}", format.name());
        }
        for v in invalid {
            assert!(!format.is_valid(v), "{} should reject {v:?}", format.name());
        }
    }

    #[test]
    fn names_round_trip() {
        for f in Format::ALL {
            assert_eq!(Format::from_name(f.name()), Some(f));
        }
        assert_eq!(Format::from_name("idn-email"), None);
    }

    #[test]
    fn date_times() {
        check(
            DateTime,
            &[
                "1963-06-19T08:30:06.283185Z",
                "1963-06-19t08:30:06z",
                "1937-01-01T12:00:27.87+00:20",
                "1998-12-31T23:59:60Z",
                "1998-12-31T15:59:60.123-08:00",
                "2020-02-29T00:00:00Z",
            ],
            &[
                "1998-12-31T23:58:60Z",
                "1998-12-31T23:59:61Z",
                "1990-12-31T24:00:00Z",
                "1990-12-31T15:59:59-24:00",
                "1990-02-31T15:59:59Z",
                "1963-06-19 08:30:06Z",
                "1963-06-19T08:30:06",
                "1963-06-19T08:30:06.Z",
                "1985-04-12T23:20:50+01",
                "1963-06-19T08:30:06.28123+01:00Z",
                "1963-06-1৪T00:00:00Z",
                "1985-04-12T23:20:50Z\n",
                "",
            ],
        );
    }

    #[test]
    fn dates() {
        check(
            Date,
            &["2020-02-29", "0400-02-29", "0001-01-01", "2020-12-31"],
            &[
                "2021-02-29",
                "2100-02-29",
                "2020-04-31",
                "2020-13-01",
                "2020-00-10",
                "2020-01-00",
                "20230328",
                "2020-1-01",
                "+2020-01-01",
                "2020-01-01Z",
                "২020-01-01",
            ],
        );
    }

    #[test]
    fn times() {
        check(
            Time,
            &[
                "08:30:06Z",
                "23:59:60+00:00",
                "01:29:60+01:30",
                "00:29:60-23:30",
                "12:34:56-00:00",
            ],
            &[
                "12:00:00",
                "23:59:60+01:00",
                "22:59:60Z",
                "24:00:00Z",
                "01:02:03+00:60",
                "08:30:06-8:000",
                "01:01:01,1111",
                "08:30:06 PST",
            ],
        );
    }

    #[test]
    fn uuids() {
        check(
            Uuid,
            &[
                "2eb8aa08-aa98-11ea-b4aa-73b441d16380",
                "2EB8AA08-AA98-11EA-B4AA-73B441D16380",
            ],
            &[
                "2eb8aa08aa9811eab4aa73b441d16380",
                "2eb8aa08-aa98-11ea-b4aa-73b441d1638",
                "2eb8aa08-aa98-11ea-b4aa-73b441d1638g",
                "{2eb8aa08-aa98-11ea-b4aa-73b441d16380}",
            ],
        );
    }

    #[test]
    fn emails() {
        check(
            Email,
            &[
                "joe.bloggs@example.com",
                "te~st@example.com",
                "\"joe bloggs\"@example.com",
                "\"a@b\"@example.com",
                "joe@[127.0.0.1]",
                "joe@[IPv6:::1]",
            ],
            &[
                "2962",
                ".test@example.com",
                "test.@example.com",
                "te..st@example.com",
                "@example.com",
                "joe.bloggs@",
                "joe bloggs@example.com",
                "a@b@example.com",
                "joe@[300.0.0.1]",
                "joe@-example.com",
            ],
        );
    }

    #[test]
    fn hostnames() {
        check(
            Hostname,
            &[
                "www.example.com",
                "1host",
                "a--b.com",
                &format!("{}.com", "a".repeat(63)),
                "xn--9n2bp8q.xn--9t4b11yi5a",
                "xn--ll-0ea",
                "xn--wva3je",
                "xn--vek778f",
                "xn--11b2ezcw70k",
                "xn--ngba5hb2804a",
            ],
            &[
                "",
                ".",
                "example.",
                ".example",
                "-hostname",
                "hostname-",
                "host_name",
                &format!("{}.com", "a".repeat(64)),
                &["a".repeat(63).as_str(); 4].join("."),
                "example．com",
                "xn--X",
                "xn--abc-",
                "XN--aa---o47jg78q",
                "xn--hello-txk",
                "xn--hello-zed",
                "xn--07jt112bpxg.xn--9t4b11yi5a",
                "xn--l-fda",
                "xn--wva3j",
                "xn--vek",
                "xn--ngb6iyr",
                "xn--02b508i",
            ],
        );
    }

    #[test]
    fn ipv4s() {
        check(
            Ipv4,
            &["192.168.0.1", "0.0.0.0", "255.255.255.255"],
            &[
                "127.0.0.0.1",
                "256.0.0.1",
                "127.1",
                "087.0.0.1",
                "0x7f.0.0.1",
                "1২7.0.0.1",
                "192.168.0.1\n",
                "192.168..1",
                "",
                "+1.2.3.4",
                "1.2.3.4.",
            ],
        );
    }

    #[test]
    fn ipv6s() {
        check(
            Ipv6,
            &[
                "::",
                "::1",
                "d6::",
                "1:d6::42",
                "1:2:3:4:5:6:7:8",
                "1::d6:192.168.0.1",
                "::ffff:192.168.0.1",
                "1000:1000:1000:1000:1000:1000:255.255.255.255",
                "1:2:3:4:5:6:7::",
            ],
            &[
                "12345::",
                "::laptop",
                ":2:3:4:5:6:7:8",
                "1:2:3:4:5:6:7:",
                "1::d6::42",
                "1:2:3:4:5:::8",
                "1:2:3:4:5:6:7",
                "1:2:3:4:5:6:7:8:9",
                "127.0.0.1",
                "1:2:3:4:1.2.3",
                "fe80::a%eth1",
                "[::1]",
                "::ffff:192.168.0.01",
                "100:100:100:100:100:100:100:255.255.255.255",
                "1.2.3.4::",
                " ::1",
                "",
            ],
        );
    }

    #[test]
    fn uris() {
        check(
            Uri,
            &[
                "http://foo.bar/?baz=qux#quux",
                "http://foo.com/blah_(wikipedia)_blah#cite-1",
                "http://-.~_!$&'()*+,;=:%40:80%2f::::::@example.com",
                "ldap://[2001:db8::7]/c=GB?objectClass?one",
                "http://[v1.fe80::a+en1]:8080/",
                "mailto:John.Doe@example.com",
                "urn:oasis:names:specification:docbook:dtd:xml:4.1.2",
                "http://999.999.999.999/",
                "file:///etc/hosts",
                "a:",
            ],
            &[
                "//foo.bar/?baz=qux#quux",
                "/abc",
                "abc",
                "http:// shouldfail.com",
                "bar,baz:foo",
                "https://[@example.org/test.txt",
                "https://example.org/foobar®.txt",
                "https://example.org/foobar{}.txt",
                "http://example.com/%6G",
                "http://example.com/%",
                "1http://example.com",
                "http://example.com:abc/path",
                "http://[::ffff:01.2.3.4]",
                "http:/[::1]",
                "http://example.com/#a#b",
            ],
        );
    }

    #[test]
    fn references_and_iris() {
        check(
            UriReference,
            &[
                "/abc",
                "abc",
                "//foo.bar/?baz=qux#quux",
                "#fragment",
                "",
                "http://foo.bar/",
            ],
            &[
                "\\\\WINDOWS\\fileshare",
                "#frag#ment",
                "http://example.com/%6G",
            ],
        );
        check(
            Iri,
            &["http://ƒøø.ßår/?∂éœ=πîx#πîüx", "http://[2001:db8::1]/"],
            &["/abc", "http://[::ffff:01.2.3.4]"],
        );
        check(
            IriReference,
            &[
                "http://ƒøø.ßår/?∂éœ=πîx#πîüx",
                "//ƒøø.ßår/?∂éœ=πîx#πîüx",
                "/âππ",
            ],
            &["\\\\WINDOWS\\filëßåré", "#ƒräg#mêñt"],
        );
    }

    proptest::proptest! {
        #[test]
        fn checks_never_panic(text in "\\PC{0,40}") {
            for f in Format::ALL {
                let _ = f.is_valid(&text);
            }
        }

        #[test]
        fn ip_addresses_agree_with_std(text in "[0-9a-fA-F:.]{0,45}") {
            proptest::prop_assert_eq!(
                Ipv4.is_valid(&text),
                text.parse::<std::net::Ipv4Addr>().is_ok(),
                "ipv4 {:?}", text
            );
            proptest::prop_assert_eq!(
                Ipv6.is_valid(&text),
                text.parse::<std::net::Ipv6Addr>().is_ok(),
                "ipv6 {:?}", text
            );
        }

        #[test]
        fn ipv6_shapes_agree_with_std(
            groups in proptest::collection::vec("[0-9a-f]{0,5}", 0..10),
            gap in proptest::option::of(0usize..10),
            tail in proptest::option::of("0?[0-9]{1,3}(\\.[0-9]{1,3}){2,4}"),
        ) {
            let mut text = groups.join(":");
            if let Some(gap) = gap {
                let at = text.match_indices(':').nth(gap).map_or(text.len(), |(i, _)| i);
                text.insert(at, ':');
            }
            if let Some(tail) = tail {
                text.push(':');
                text.push_str(&tail);
            }
            proptest::prop_assert_eq!(
                Ipv6.is_valid(&text),
                text.parse::<std::net::Ipv6Addr>().is_ok(),
                "ipv6 {:?}", text
            );
        }

        #[test]
        fn punycode_labels_never_panic(label in "xn--[a-z0-9-]{0,59}") {
            let _ = Hostname.is_valid(&label);
        }
    }
}
