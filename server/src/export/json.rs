//! The JSON export: the same rows, structured (written answers as a list,
//! times in milliseconds since the Unix epoch, statuses and identity levels
//! as the protocol spells them). Its schema is `docs/export.schema.json`,
//! described in docs/protocol.md ("Exports").

use super::{Export, ExportError};

pub fn json(export: &Export) -> Result<Vec<u8>, ExportError> {
    Ok(serde_json::to_vec_pretty(export)?)
}

/// The audit trail (`docs/audit.schema.json`, docs/protocol.md "Audit").
pub fn audit_json(audit: &super::Audit) -> Result<Vec<u8>, ExportError> {
    Ok(serde_json::to_vec_pretty(audit)?)
}
