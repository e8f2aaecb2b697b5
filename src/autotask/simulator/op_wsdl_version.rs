//! `GetWsdlVersion`: the API version of the bundled schema.

use super::response_envelope::operation_document;
use super::state::SimState;
use crate::autotask::wire::push_leaf;

pub(super) fn answer_wsdl_version(state: &SimState) -> String {
    let mut out = String::new();
    push_leaf(
        &mut out,
        "GetWsdlVersionResult",
        &state.metadata.schema.api_version,
    );
    operation_document("GetWsdlVersion", &out)
}
