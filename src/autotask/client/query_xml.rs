//! QueryXML the client writes itself: records by id (OR-ed in batches) and the next page of any
//! query. Autotask answers at most 500 entities per query, sorted by id, so paging adds
//! `id > last id seen` to the query until a page comes back short.

use super::request_envelope::escape;

/// Entities per `query` answer.
pub const PAGE_SIZE: usize = 500;

/// Ids per query: Autotask accepts at most 500 OR conditions in one query.
pub const MAX_IDS_PER_QUERY: usize = 500;

/// `<queryxml>` selecting the entities with these ids (at most [`MAX_IDS_PER_QUERY`] of them;
/// split longer lists with [`id_batches`]). No ids selects nothing.
pub fn ids_query(entity: &str, ids: &[i64]) -> String {
    let mut xml = format!("<queryxml><entity>{}</entity><query>", escape(entity));
    match ids {
        // No id: a condition no entity meets (ids are never null).
        [] => xml.push_str("<field>id<expression op=\"IsNull\"></expression></field>"),
        [id] => xml.push_str(&id_equals(*id)),
        _ => {
            // One group, so that conditions added later (paging) are AND-ed with all of it.
            xml.push_str("<condition>");
            for (index, id) in ids.iter().enumerate() {
                xml.push_str(if index == 0 {
                    "<condition>"
                } else {
                    "<condition operator=\"OR\">"
                });
                xml.push_str(&id_equals(*id));
                xml.push_str("</condition>");
            }
            xml.push_str("</condition>");
        }
    }
    xml.push_str("</query></queryxml>");
    xml
}

/// Every entity of a type (`id > 0`), for paging through all of them.
pub fn all_query(entity: &str) -> String {
    format!(
        "<queryxml><entity>{}</entity><query><field>id<expression op=\"GreaterThan\">0</expression></field></query></queryxml>",
        escape(entity)
    )
}

/// The query restricted to ids above `last_id`: the next page.
///
/// # Errors
///
/// The query has no `</query>` to add the condition to.
pub fn after_id(query_xml: &str, last_id: i64) -> Result<String, String> {
    let end = query_xml
        .rfind("</query>")
        .ok_or_else(|| "the QueryXML has no </query> element to page through".to_owned())?;
    let mut paged = String::with_capacity(query_xml.len() + 80);
    paged.push_str(&query_xml[..end]);
    paged.push_str(&format!(
        "<field>id<expression op=\"GreaterThan\">{last_id}</expression></field>"
    ));
    paged.push_str(&query_xml[end..]);
    Ok(paged)
}

/// The entity a QueryXML asks for, for logs and error messages.
pub fn entity_of(query_xml: &str) -> Option<String> {
    let start = query_xml.find("<entity>")? + "<entity>".len();
    let length = query_xml[start..].find("</entity>")?;
    let entity = query_xml[start..start + length].trim();
    (!entity.is_empty()).then(|| entity.to_owned())
}

/// Distinct ids in ascending order, in batches small enough for one query each.
pub fn id_batches(ids: &[i64]) -> Vec<Vec<i64>> {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    sorted
        .chunks(MAX_IDS_PER_QUERY)
        .map(<[i64]>::to_vec)
        .collect()
}

fn id_equals(id: i64) -> String {
    format!("<field>id<expression op=\"Equals\">{id}</expression></field>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_or_ed_in_one_group() {
        assert_eq!(
            ids_query("Account", &[1, 2]),
            "<queryxml><entity>Account</entity><query><condition>\
             <condition><field>id<expression op=\"Equals\">1</expression></field></condition>\
             <condition operator=\"OR\"><field>id<expression op=\"Equals\">2</expression></field></condition>\
             </condition></query></queryxml>"
        );
        assert_eq!(
            entity_of(&ids_query("Account", &[7])).as_deref(),
            Some("Account")
        );
    }

    #[test]
    fn paging_ands_an_id_floor() {
        let paged = after_id(&all_query("Ticket"), 500).unwrap_or_default();
        assert!(paged.ends_with(
            "<field>id<expression op=\"GreaterThan\">500</expression></field></query></queryxml>"
        ));
        assert!(after_id("<queryxml/>", 1).is_err());
    }

    #[test]
    fn batches_split_1100_ids_into_three() {
        let ids: Vec<i64> = (1..=1100).rev().collect();
        let batches = id_batches(&ids);
        assert_eq!(batches.len(), 3);
        assert_eq!(batches[0][0], 1);
        assert!(batches.iter().all(|b| b.len() <= MAX_IDS_PER_QUERY));
    }
}
