//! What content is tagged with: the gazetteer of regions (GB/T 2260), the
//! place names it gives (`regions`, the matcher classification and the
//! search client share) and the topic vocabulary of `content/topics.yaml`.
//! Every stage reads them; none is a stage itself.

pub mod gazetteer;
pub(crate) mod regions;
pub mod topics;

pub use gazetteer::{Gazetteer, Level, Unit};
pub use topics::{BUNDLED_TOPICS, OffTopicRule, Topic, TopicVocabulary};

use regions::RegionMatcher;

/// What [`client_places`] returns.
pub type ClientPlaces = (Vec<(&'static str, String)>, &'static [&'static str]);

/// The region matcher as the search client runs it on a query: its
/// patterns by first two characters ([`RegionMatcher`]'s client table, as
/// JSON) and the words after a weak name that make it a place. It depends
/// on the embedded gazetteer alone, so it is made once per process: a build
/// starts making it while the content loads, and `serve` keeps it.
pub fn client_places() -> &'static ClientPlaces {
    static PLACES: std::sync::OnceLock<ClientPlaces> = std::sync::OnceLock::new();
    PLACES.get_or_init(|| (RegionMatcher::embedded().client_table(Gazetteer::embedded()), regions::PLACE_CONTEXT))
}

/// Gazetteer paths of the places a search query names, found where `known`
/// accepts a name's first two characters (the query terms whose chunks the
/// client fetched); `search.js` reads a query the same way.
pub fn query_places(query: &str, known: impl Fn(&str) -> bool) -> Vec<String> {
    let gazetteer = Gazetteer::embedded();
    RegionMatcher::embedded()
        .query_places(gazetteer, query, known)
        .into_iter()
        .map(|unit| gazetteer.units[unit].path.clone())
        .collect()
}
