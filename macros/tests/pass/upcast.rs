//! A passing use of `#[event(upcast(...))]`: older versions are read as their type and converted.
//!
//! Data of an older schema version is read as the older type and converted; any other version is
//! read as the type itself.

use tidings::{decode_event, DecodeError, Event, Pointer, Validate, ValidationErrors};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Validate)]
struct RegisteredV0 {
    #[validate(length(min = 1))]
    username: String,
}

#[derive(Serialize, Deserialize, Validate)]
struct RegisteredV1 {
    name: String,
}

#[derive(Debug, PartialEq, Serialize, Deserialize, Event, Validate)]
#[event(type = "com.acme.user.registered", version = "2.0.0")]
#[event(
    upcast(from = RegisteredV1, version = "1.0.0"),
    upcast(from = self::RegisteredV0, version = r"0.9.0"),
)]
struct Registered {
    name: String,
    #[serde(default)]
    vip: bool,
}

impl From<RegisteredV1> for Registered {
    fn from(old: RegisteredV1) -> Self {
        Registered {
            name: old.name,
            vip: false,
        }
    }
}

impl From<RegisteredV0> for Registered {
    fn from(old: RegisteredV0) -> Self {
        Registered {
            name: old.username,
            vip: false,
        }
    }
}

/// Without a `version` of its own, and generic: the upcast is a bound of the impl.
#[derive(Debug, PartialEq, Serialize, Deserialize, Event)]
#[event(type = "com.acme.batch", upcast(from = Vec<T>, version = "1"))]
struct Batch<T> {
    items: Vec<T>,
}

impl<T: Validate> Validate for Batch<T> {
    fn validate_at(&self, at: &mut Pointer, errors: &mut ValidationErrors) {
        self.items.validate_at(at, errors);
    }
}

impl<T> From<Vec<T>> for Batch<T> {
    fn from(items: Vec<T>) -> Self {
        Batch { items }
    }
}

/// No upcast: the trait's default, which knows no older version.
#[derive(Serialize, Deserialize, Event, Validate)]
#[event(type = "com.acme.plain", version = "1.0.0")]
struct Plain {
    id: u32,
}

fn registered(name: &str, vip: bool) -> Registered {
    Registered {
        name: name.to_owned(),
        vip,
    }
}

fn main() -> Result<(), DecodeError> {
    // Older versions are read as their own types and upcast.
    let v1: Registered = decode_event(Some("1.0.0"), br#"{"name": "ada"}"#)?;
    assert_eq!(v1, registered("ada", false));
    let v0: Registered = decode_event(Some("0.9.0"), br#"{"username": "grace"}"#)?;
    assert_eq!(v0, registered("grace", false));

    // The older type is validated: its own constraints apply.
    let err = decode_event::<Registered>(Some("0.9.0"), br#"{"username": ""}"#).unwrap_err();
    assert!(matches!(err, DecodeError::Invalid(_)), "{err:?}");
    // And the older shape is required: `name` is not `username`.
    assert!(decode_event::<Registered>(Some("0.9.0"), br#"{"name": "ada"}"#).is_err());

    // The own version, an unknown (newer) one, or none, are read as `Registered` itself.
    let data = br#"{"name": "ada", "vip": true}"#;
    for version in [Some("2.0.0"), Some("3.1.0"), Some("1.0"), None] {
        let current: Registered = decode_event(version, data)?;
        assert_eq!(current, registered("ada", true), "version {version:?}");
    }

    // `decode_older` itself: `None` for versions that are not upcast.
    assert!(Registered::decode_older(Some("2.0.0"), data).is_none());
    assert!(Registered::decode_older(None, data).is_none());
    assert!(matches!(
        Registered::decode_older(Some("1.0.0"), data),
        Some(Ok(ref value)) if *value == registered("ada", false)
    ));
    assert!(Plain::decode_older(Some("0.1.0"), br#"{"id": 1}"#).is_none());
    assert_eq!(decode_event::<Plain>(Some("0.1.0"), br#"{"id": 1}"#)?.id, 1);

    // A generic type's upcast.
    let old: Batch<u32> = decode_event(Some("1"), b"[1, 2]")?;
    assert_eq!(old, Batch { items: vec![1, 2] });
    let new: Batch<u32> = decode_event(Some("2"), br#"{"items": [3]}"#)?;
    assert_eq!(new, Batch { items: vec![3] });
    Ok(())
}
