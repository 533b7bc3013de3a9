//! Static files, embedded in the binary and served under content-hashed names with a
//! year-long cache, so a new release is never shadowed by an old cached copy.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use sha2::{Digest, Sha256};

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const FILES: &[Asset] = &[
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../web/static/app.css"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../web/static/app.js"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_str!("../../web/static/favicon.svg"),
    },
];

/// The hashed URL of each embedded file.
#[derive(Clone, Debug)]
pub struct Assets {
    /// (public path, index into FILES)
    paths: Vec<(String, usize)>,
}

impl Default for Assets {
    fn default() -> Assets {
        let paths = FILES
            .iter()
            .enumerate()
            .map(|(i, asset)| {
                let hash = hex::encode(&Sha256::digest(asset.body.as_bytes())[..6]);
                let (stem, ext) = asset.name.rsplit_once('.').unwrap_or((asset.name, ""));
                (format!("/static/{stem}.{hash}.{ext}"), i)
            })
            .collect();
        Assets { paths }
    }
}

impl Assets {
    /// The public URL of `name` (e.g. `app.css`).
    pub fn url(&self, name: &str) -> &str {
        self.paths
            .iter()
            .find(|(_, i)| FILES[*i].name == name)
            .map(|(p, _)| p.as_str())
            .unwrap_or("/static/missing")
    }

    /// Registers one route per file, and `/favicon.ico` for pages without a layout.
    pub fn routes(&self, cfg: &mut web::ServiceConfig) {
        let icon = self.url("favicon.svg").to_string();
        cfg.route(
            "/favicon.ico",
            web::get().to(move || {
                let icon = icon.clone();
                async move {
                    HttpResponse::MovedPermanently()
                        .insert_header((header::LOCATION, icon))
                        .finish()
                }
            }),
        );
        for (path, i) in &self.paths {
            let asset = &FILES[*i];
            cfg.route(
                path,
                web::get().to(move || async move {
                    HttpResponse::Ok()
                        .content_type(asset.content_type)
                        .insert_header((
                            header::CACHE_CONTROL,
                            "public, max-age=31536000, immutable",
                        ))
                        .body(asset.body)
                }),
            );
        }
    }
}
