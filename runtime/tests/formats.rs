//! The derive knows every format the runtime checks.
//!
//! Each [`Format`] is given as `format = "..."` and checked by the runtime's own parser.

use tidings::format::Format;
use tidings::Validate;

#[derive(Validate)]
struct EveryFormat {
    #[validate(format = "date-time")]
    date_time: String,
    #[validate(format = "date")]
    date: String,
    #[validate(format = "time")]
    time: String,
    #[validate(format = "uuid")]
    uuid: String,
    #[validate(format = "email")]
    email: String,
    #[validate(format = "hostname")]
    hostname: String,
    #[validate(format = "ipv4")]
    ipv4: String,
    #[validate(format = "ipv6")]
    ipv6: String,
    #[validate(format = "uri")]
    uri: String,
    #[validate(format = "uri-reference")]
    uri_reference: String,
    #[validate(format = "iri")]
    iri: String,
    #[validate(format = "iri-reference")]
    iri_reference: String,
}

/// The field of [`EveryFormat`] checked by `format`: the match has no wildcard, so a new
/// `Format` does not compile until it has a field (and so a name the derive knows).
fn field(value: &mut EveryFormat, format: Format) -> &mut String {
    match format {
        Format::DateTime => &mut value.date_time,
        Format::Date => &mut value.date,
        Format::Time => &mut value.time,
        Format::Uuid => &mut value.uuid,
        Format::Email => &mut value.email,
        Format::Hostname => &mut value.hostname,
        Format::Ipv4 => &mut value.ipv4,
        Format::Ipv6 => &mut value.ipv6,
        Format::Uri => &mut value.uri,
        Format::UriReference => &mut value.uri_reference,
        Format::Iri => &mut value.iri,
        Format::IriReference => &mut value.iri_reference,
    }
}

fn valid() -> EveryFormat {
    EveryFormat {
        date_time: "2024-05-17T12:34:56Z".into(),
        date: "2024-05-17".into(),
        time: "12:34:56Z".into(),
        uuid: "0190a5b2-7c3e-7d4f-9a1b-2c3d4e5f6a7b".into(),
        email: "jane@example.com".into(),
        hostname: "api.example.com".into(),
        ipv4: "192.168.10.20".into(),
        ipv6: "2001:db8::1".into(),
        uri: "https://example.com/a?b#c".into(),
        uri_reference: "/a?b#c".into(),
        iri: "https://bücher.example/straße".into(),
        iri_reference: "/straße".into(),
    }
}

#[test]
fn the_derive_checks_each_format_by_name() {
    assert!(valid().validate().is_ok());
    for format in Format::ALL {
        assert_eq!(Format::from_name(format.name()), Some(format));
        let mut value = valid();
        *field(&mut value, format) = "not valid: \\ %%".into();
        let errors = value.validate().expect_err(format.name());
        let keywords: Vec<_> = errors.iter().map(|e| e.keyword).collect();
        assert_eq!(keywords, ["format"], "{}", format.name());
    }
}

#[test]
fn all_names_every_format() {
    // Each format of `Format::ALL` clears its field; the destructuring names every field (no
    // `..`), so a format missing from `ALL` leaves one standing.
    let mut value = valid();
    for format in Format::ALL {
        field(&mut value, format).clear();
    }
    let EveryFormat {
        date_time,
        date,
        time,
        uuid,
        email,
        hostname,
        ipv4,
        ipv6,
        uri,
        uri_reference,
        iri,
        iri_reference,
    } = value;
    for left in [
        date_time,
        date,
        time,
        uuid,
        email,
        hostname,
        ipv4,
        ipv6,
        uri,
        uri_reference,
        iri,
        iri_reference,
    ] {
        assert!(
            left.is_empty(),
            "{left:?}: its format is not in Format::ALL"
        );
    }
}
