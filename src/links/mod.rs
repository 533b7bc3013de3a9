//! Links between posts and the web: the hygiene of links people write, and links to this
//! site's own pages, which unfold for readers who may read their target.

pub mod backlinks;
pub mod hygiene;
pub mod internal;
pub mod unfold;

use url::Url;

pub use hygiene::Tracking;
pub use internal::Target;

/// What every link in a body goes through when the body is saved.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    pub tracking: Tracking,
    /// This site's public URL: links under it are stored as paths, so they unfold and keep
    /// working when the site moves.
    pub site: Option<Url>,
}

impl Rules {
    /// `link` as stored: without tracking parameters, and as a path when it is one of ours.
    pub fn clean(&self, link: &str) -> String {
        let link = self.tracking.strip(link);
        match &self.site {
            Some(site) => internal::as_path(&link, site).unwrap_or(link),
            None => link,
        }
    }
}
