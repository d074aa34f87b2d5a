//! Published contract versions, parsed once per process: a version never
//! changes after it is published (a new one is published instead), so a
//! parsed definition can be kept without any invalidation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use baton_domain::contract::ContractDef;
use baton_domain::{ContractKey, OrgId};

use crate::sql_args::Arg;
use crate::{Store, StoreError};

/// Versions kept before the cache starts over: far more than any org
/// publishes; only bounds memory for a server holding many orgs.
const MAX_DEFINITIONS: usize = 4096;

/// The parsed definitions seen so far, by org, contract and version.
#[derive(Debug, Default)]
pub(crate) struct Definitions {
    parsed: Mutex<HashMap<(OrgId, ContractKey, u32), Arc<ContractDef>>>,
}

impl Definitions {
    fn get(&self, key: &(OrgId, ContractKey, u32)) -> Option<Arc<ContractDef>> {
        self.parsed.lock().ok()?.get(key).cloned()
    }

    fn put(&self, key: (OrgId, ContractKey, u32), def: Arc<ContractDef>) {
        if let Ok(mut parsed) = self.parsed.lock() {
            if parsed.len() >= MAX_DEFINITIONS {
                parsed.clear();
            }
            parsed.insert(key, def);
        }
    }
}

impl Store {
    /// One published version's definition, shared: parsed on first use.
    pub async fn definition(
        &self,
        org: &OrgId,
        key: &ContractKey,
        version: u32,
    ) -> Result<Option<Arc<ContractDef>>, StoreError> {
        let id = (org.clone(), key.clone(), version);
        if let Some(def) = self.defs.get(&id) {
            return Ok(Some(def));
        }
        let raw = self
            .row(
                "SELECT definition FROM contract_versions WHERE org_id = $1 AND contract = $2 AND version = $3",
                &[
                    Arg::from(org.to_string()),
                    Arg::from(key.to_string()),
                    Arg::from(i64::from(version)),
                ],
                |r| r.text(0),
            )
            .await?;
        let Some(raw) = raw else {
            return Ok(None);
        };
        let def: Arc<ContractDef> = Arc::new(
            serde_json::from_str(&raw).map_err(|e| StoreError::corrupt("contract version", e))?,
        );
        self.defs.put(id, def.clone());
        Ok(Some(def))
    }
}
