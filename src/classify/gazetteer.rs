//! China's administrative divisions (GB/T 2260), embedded in the binary.
//! (Provisional skeleton: data pending.)

use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Province,
    Prefecture,
    County,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Six-digit GB/T 2260 code.
    pub code: u32,
    /// Official full name, e.g. `深圳市`.
    pub name: String,
    /// Customary short name, e.g. `深圳`.
    pub short: String,
    pub level: Level,
    /// Index of the parent unit in [`Gazetteer::units`].
    pub parent: Option<usize>,
    /// ASCII slug unique among siblings, e.g. `shenzhen`.
    pub slug: String,
    /// Full-name path from the province, e.g. `广东省/深圳市`.
    pub path: String,
    /// Slug path from the province, e.g. `guangdong/shenzhen`.
    pub slug_path: String,
}

#[derive(Debug, Default)]
pub struct Gazetteer {
    pub units: Vec<Unit>,
}

impl Gazetteer {
    /// The gazetteer shipped inside the binary.
    pub fn embedded() -> &'static Gazetteer {
        static GAZETTEER: OnceLock<Gazetteer> = OnceLock::new();
        GAZETTEER.get_or_init(Gazetteer::default)
    }

    /// The unit whose full-name path is `path` (`广东省/深圳市`).
    pub fn by_path(&self, path: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.path == path)
    }

    /// The unit and its ancestors, province first.
    pub fn lineage<'a>(&'a self, unit: &'a Unit) -> Vec<&'a Unit> {
        let mut chain = vec![unit];
        let mut current = unit;
        while let Some(parent) = current.parent {
            current = &self.units[parent];
            chain.push(current);
        }
        chain.reverse();
        chain
    }

    /// Direct children of a unit (`None`: the provinces), in code order.
    pub fn children(&self, parent: Option<usize>) -> Vec<usize> {
        (0..self.units.len()).filter(|&i| self.units[i].parent == parent).collect()
    }

    pub fn index_of(&self, unit: &Unit) -> usize {
        self.units.iter().position(|u| u.code == unit.code).unwrap_or(0)
    }
}
