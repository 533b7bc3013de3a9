//! Link hygiene: what every link in a body goes through before it is stored or shown.
//! Tracking parameters come off (`utm_*`, `fbclid`, `gclid` by default, `links.tracking_parameters`),
//! so a shared link does not tell a marketing tool who passed it on.

use url::Url;

/// The query parameters taken off links: `name` exactly, or `prefix*`.
#[derive(Clone, Debug, Default)]
pub struct Tracking {
    patterns: Vec<String>,
}

impl Tracking {
    pub fn new(patterns: &[String]) -> Tracking {
        Tracking {
            patterns: patterns.iter().map(|p| p.to_lowercase()).collect(),
        }
    }

    fn matches(&self, name: &str) -> bool {
        let name = name.to_lowercase();
        self.patterns
            .iter()
            .any(|pattern| match pattern.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => name == *pattern,
            })
    }

    /// `link` without its tracking parameters; anything but an http(s) URL with some, as it is.
    pub fn strip(&self, link: &str) -> String {
        let Ok(mut url) = Url::parse(link) else {
            return link.to_string();
        };
        if !matches!(url.scheme(), "http" | "https") || url.query().is_none() {
            return link.to_string();
        }
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(name, _)| !self.matches(name))
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        if kept.len() == url.query_pairs().count() {
            return link.to_string();
        }
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
        url.to_string()
    }
}

/// The host a link leads to, shown next to it, when it leads off this site.
pub fn host(link: &str) -> Option<String> {
    let url = Url::parse(link).ok()?;
    matches!(url.scheme(), "http" | "https")
        .then(|| url.host_str().map(str::to_string))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracking() -> Tracking {
        Tracking::new(&["utm_*".into(), "fbclid".into(), "GCLID".into()])
    }

    #[test]
    fn tracking_parameters_come_off_and_the_rest_stays_in_order() {
        let t = tracking();
        assert_eq!(
            t.strip("https://x.example/a?id=7&utm_source=mail&utm_Medium=x&gclid=1&b=2#top"),
            "https://x.example/a?id=7&b=2#top"
        );
        assert_eq!(
            t.strip("https://x.example/a?fbclid=abc"),
            "https://x.example/a"
        );
    }

    #[test]
    fn links_without_tracking_are_left_exactly_as_written() {
        let t = tracking();
        for link in [
            "https://x.example/a?q=a+b&utm=1",
            "https://x.example/path%20with",
            "mailto:a@x.example?utm_source=1",
            "not a url",
        ] {
            assert_eq!(t.strip(link), link);
        }
        assert_eq!(
            Tracking::default().strip("https://x.example/?utm_source=1"),
            "https://x.example/?utm_source=1"
        );
    }

    #[test]
    fn the_host_is_what_the_reader_is_told() {
        assert_eq!(
            host("https://www.example.com/x").as_deref(),
            Some("www.example.com")
        );
        assert_eq!(host("http://10.0.0.1:8080/").as_deref(), Some("10.0.0.1"));
        assert_eq!(host("/posts/1"), None);
        assert_eq!(host("mailto:a@b.example"), None);
    }
}
