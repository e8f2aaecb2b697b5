//! The intermediate representation: an immutable program with names resolved to slots.

mod body_shape;
mod explain;
mod expr;
mod input_tree;
mod plan;
mod program;
mod queryxml;

pub use body_shape::{BodyField, BodyNode, BodyShape};
pub use explain::explain;
pub use expr::{ArithOp, CompareOp, Expr, Piece, RangeArm, RecordRef, Table};
pub use input_tree::InputTree;
pub use plan::{EntityFetch, FetchPlan, LookupQuery, RelatedFetch};
pub use program::*;
pub use queryxml::trigger_query;
pub(crate) use queryxml::wire_text;
