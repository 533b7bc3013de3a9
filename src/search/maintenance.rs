//! `agora reindex` and `agora search check`.
