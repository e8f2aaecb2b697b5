//! Date and time handling for mappings from Autotask tickets to Field
//! Nation work orders.
//!
//! - [`resolve_zone`]: IANA zone names, from the bundled database only; [`eastern`]:
//!   Autotask's zone, looked up once.
//! - [`dst`]: the one rule for wall-clock readings in a DST gap or fold,
//!   and [`DstAdjustment`], the report of every time it applied.
//! - [`parse_autotask_datetime`] / [`format_autotask_datetime`]: Autotask's
//!   offset-less US Eastern wire format.
//! - [`format_fieldnation_utc`]: Field Nation's UTC `YYYY-MM-DD HH:mm:ss`.
//! - [`convert_to_zone`] (same instant) versus [`reinterpret_in_zone`]
//!   (same wall clock).
//! - [`MomentFormat`]: moment.js-style formats, compiled once.
//! - [`parse_duration_literal`] / [`add_duration`]: `4h`, `2d`, `1h30m` and
//!   the rule for adding them.
//!
//! Values are jiff `ZonedDateTime`s (jiff 1.x's name for a zoned
//! date-time). Nothing here panics on any input; every failure is a
//! [`TimeError`] or, for format strings, a [`FormatError`].

mod autotask_wire;
mod civil_fields;
mod cursor;
mod decimal;
pub mod dst;
mod duration;
mod english;
mod error;
mod fieldnation;
mod moment_format;
mod zone;
mod zone_change;
mod zone_meaning;

#[cfg(test)]
mod robustness_tests;

pub use self::autotask_wire::{
    format_autotask_datetime, format_autotask_wall_clock, parse_autotask_datetime,
};
pub use self::dst::{DstAdjustment, resolve_wall_clock};
pub use self::duration::{DurationLiteral, add_duration, parse_duration_literal};
pub use self::error::TimeError;
pub use self::fieldnation::{format_fieldnation_utc, write_fieldnation_utc};
pub use self::moment_format::{FormatError, MomentFormat};
pub use self::zone::{AUTOTASK_ZONE_NAME, eastern, resolve_zone};
pub use self::zone_change::{convert_to_zone, reinterpret_in_zone};
pub use self::zone_meaning::zone_meant_by;
