//! Tags: case-insensitive names (stored lower-case), created the first time a body or a
//! follow names them. Which posts carry a tag is the posts area's business (`post_tags`).

pub mod actions;
pub mod system;
