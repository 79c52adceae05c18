//! Recommendation snippet deduplication.
