//! Capabilities, denied by default (like Zed's `CapabilityGranter`): a plugin gets a
//! capability only when its manifest requests it AND the configuration grants it to that
//! plugin id (`plugin_grants = { "<id>" = ["inference"] }`, `"*"` grants everything the
//! plugin requests). The grant is computed at load time and checked again by each host import
//! at call time, so a missing check on one side cannot open the door alone.

use std::collections::{BTreeMap, BTreeSet};

/// Run models the host owns (`inference` interface).
pub const INFERENCE: &str = "inference";
/// Capabilities this host knows; requesting another one fails loading.
pub const KNOWN: &[&str] = &[INFERENCE];

/// The capabilities one loaded plugin holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Granted(BTreeSet<String>);

impl Granted {
    /// Whether `capability` is held.
    pub fn has(&self, capability: &str) -> bool {
        self.0.contains(capability)
    }

    /// The held capabilities, sorted.
    pub fn list(&self) -> Vec<String> {
        self.0.iter().cloned().collect()
    }

    /// Fails with a message naming the plugin and the refused capability.
    pub fn check(&self, plugin: &str, capability: &str) -> Result<(), String> {
        if self.has(capability) {
            Ok(())
        } else {
            Err(format!(
                "capability `{capability}` is not granted to plugin `{plugin}` (the manifest \
                 must request it and the server configuration must grant it: \
                 plugin_grants = {{ \"{plugin}\" = [\"{capability}\"] }})"
            ))
        }
    }
}

/// Grants from the configuration.
#[derive(Debug, Clone, Default)]
pub struct CapabilityGranter {
    grants: BTreeMap<String, Vec<String>>,
}

impl CapabilityGranter {
    /// A granter over `plugin id → capabilities`.
    pub fn new(grants: BTreeMap<String, Vec<String>>) -> Self {
        Self { grants }
    }

    /// What `plugin` holds given what it `requested`: the intersection with its grant.
    pub fn grant(&self, plugin: &str, requested: &[String]) -> Granted {
        let Some(granted) = self.grants.get(plugin) else {
            return Granted::default();
        };
        let all = granted.iter().any(|g| g == "*");
        Granted(
            requested
                .iter()
                .filter(|r| all || granted.contains(r))
                .cloned()
                .collect(),
        )
    }
}

/// Checks that every requested capability is one this host knows.
pub fn check_known(requested: &[String]) -> Result<(), String> {
    match requested.iter().find(|r| !KNOWN.contains(&r.as_str())) {
        Some(unknown) => Err(format!(
            "requests the unknown capability `{unknown}` (known: {})",
            KNOWN.join(", ")
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn granter(id: &str, caps: &[&str]) -> CapabilityGranter {
        let mut map = BTreeMap::new();
        map.insert(
            id.to_owned(),
            caps.iter().map(|c| (*c).to_owned()).collect(),
        );
        CapabilityGranter::new(map)
    }

    #[test]
    fn denies_without_a_grant() {
        let g = CapabilityGranter::default().grant("p", &[INFERENCE.to_owned()]);
        assert!(!g.has(INFERENCE));
        let err = g.check("p", INFERENCE).unwrap_err();
        assert!(err.contains("`inference`") && err.contains("`p`"), "{err}");
    }

    #[test]
    fn denies_a_grant_that_was_not_requested() {
        let g = granter("p", &[INFERENCE]).grant("p", &[]);
        assert!(g.check("p", INFERENCE).is_err());
    }

    #[test]
    fn grants_exact_and_wildcard_for_the_right_plugin_only() {
        let req = [INFERENCE.to_owned()];
        assert!(granter("p", &[INFERENCE]).grant("p", &req).has(INFERENCE));
        assert!(granter("p", &["*"]).grant("p", &req).has(INFERENCE));
        assert!(!granter("other", &["*"]).grant("p", &req).has(INFERENCE));
    }

    #[test]
    fn unknown_capabilities_are_rejected() {
        assert!(check_known(&["inference".to_owned()]).is_ok());
        assert!(check_known(&["filesystem".to_owned()]).is_err());
    }
}
