//! The one list of the API's operations. Each handler's `#[utoipa::path]` names its method and
//! path; the OpenAPI document and the routes are both made from this list, so no handler can be
//! served undocumented or documented but not served.

use std::collections::HashMap;
use std::sync::LazyLock;

use actix_web::http::Method;
use actix_web::{HttpResponse, Route, web};
use utoipa::OpenApi;
use utoipa::openapi::path::PathItem;

use super::error_responses::ErrorResponses;
use super::{
    accounts, admin_mail, announcements, audit, bots, deletion, digests, exports, feed_tokens,
    feeds, files, groups, guests, links, notifications, posts, recommendations, reports, saved,
    search, security, stream, users, webhooks,
};
use crate::error::ErrorCode;
use crate::http::{error::Problem, ops};

/// Where the API's scope starts. Operations outside it (health, metrics) are served at the root.
pub const PREFIX: &str = "/api/v1";

/// Declares the document and the handlers from one list of `module::handler`s.
macro_rules! operations {
    ($($module:ident::$handler:ident),* $(,)?) => {
        #[derive(OpenApi)]
        #[openapi(
            info(title = "Agora API", description = include_str!("openapi_intro.md")),
            paths($($module::$handler),*),
            components(schemas(Problem, ErrorCode)),
            modifiers(&BearerAuth, &ErrorResponses)
        )]
        pub struct ApiDoc;

        /// Each handler by its operation id (utoipa's default: the function's name).
        fn handlers() -> Vec<(&'static str, Route)> {
            vec![$((stringify!($handler), web::route().to($module::$handler))),*]
        }
    };
}

operations! {
        accounts::setup, accounts::create_token, accounts::request_link, accounts::redeem_link, accounts::revoke_token, accounts::me, accounts::update_me,
        deletion::delete_me, deletion::delete_user,
        security::list_my_sessions, security::sign_out_everywhere, security::sign_out_session,
        security::list_user_sessions, security::sign_out_user_everywhere,
        users::create_user, users::list_users, users::show_user, users::update_user, users::deactivate_user,
        groups::create_group, groups::list_groups, groups::show_group, groups::update_group, groups::join_group,
        groups::list_members, groups::add_member, groups::remove_member, groups::list_requests,
        posts::create_post, posts::preview_post, posts::show_post, posts::edit_post, posts::delete_post, posts::post_history,
        posts::like_post, posts::unlike_post, posts::mark_best_answer, posts::unmark_best_answer, posts::vote, posts::withdraw_vote, posts::add_comment, posts::list_comments,
        posts::edit_comment, posts::delete_comment, posts::comment_history, posts::like_comment, posts::unlike_comment,
        announcements::pinned_announcements, announcements::read_announcement, announcements::announcement_readers,
        files::upload_file, files::set_photo, files::remove_photo,
        links::post_backlinks, links::group_backlinks, links::tag_backlinks,
        links::remove_post_preview, links::remove_comment_preview,
        recommendations::list_recommendations, recommendations::dismiss_recommendation,
        reports::report_post, reports::report_comment, reports::list_reports, reports::decide_report,
        reports::my_reports, reports::my_hidden,
        saved::save_post, saved::unsave_post, saved::save_comment, saved::unsave_comment, saved::list_saved,
        exports::request_export, exports::list_exports,
        feeds::home_feed, feeds::company_feed, feeds::group_feed, feeds::tag_feed, feeds::person_feed,
        feeds::list_tags, feeds::trending_tags, feeds::show_tag, feeds::follow_user, feeds::unfollow_user, feeds::follow_tag, feeds::unfollow_tag,
        feed_tokens::show_feed_token, feed_tokens::reset_feed_token, feed_tokens::revoke_feed_token,
        search::search, search::suggest,
        guests::invite, guests::list_invitations, guests::resend, guests::cancel, guests::accept,
        guests::list_guests, guests::extend_guest, guests::revoke_guest,
        stream::stream,
        admin_mail::list_mail, admin_mail::retry_mail,
        audit::list_audit, audit::export_audit,
        webhooks::list_webhooks, webhooks::create_webhook, webhooks::show_webhook, webhooks::update_webhook, webhooks::delete_webhook,
        webhooks::rotate_webhook_secret, webhooks::list_webhook_deliveries, webhooks::redeliver_webhook,
        notifications::list_notifications, notifications::mark_read, notifications::unread,
        notifications::show_settings, notifications::update_settings, notifications::mute_thread, notifications::unmute_thread,
        digests::run_digests, digests::show_membership, digests::set_membership,
        ops::healthz, ops::readyz, ops::metrics,
        bots::create_bot, bots::list_bots, bots::show_bot, bots::deactivate_bot, bots::issue_bot_token, bots::revoke_bot_token,
        bots::create_hook, bots::list_hooks, bots::revoke_hook, bots::incoming_hook,
}

/// The document, made once.
static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(ApiDoc::openapi);

/// The API's own operations, their paths relative to [`PREFIX`].
pub fn api_routes(cfg: &mut web::ServiceConfig) {
    for (path, route) in served() {
        if let Some(relative) = path.strip_prefix(PREFIX) {
            cfg.route(relative, route);
        }
    }
}

/// The operations served outside the API's scope (health, readiness, metrics).
pub fn root_routes(cfg: &mut web::ServiceConfig) {
    for (path, route) in served() {
        if !path.starts_with(PREFIX) {
            cfg.route(&path, route);
        }
    }
}

/// Every handler with the path and method the document gives it, in the list's order.
fn served() -> Vec<(String, Route)> {
    let mut places = places();
    handlers()
        .into_iter()
        .filter_map(|(id, route)| match places.remove(id) {
            Some((path, method)) => Some((path, route.method(method))),
            None => {
                tracing::error!(
                    operation = id,
                    "an operation without a place in the document"
                );
                None
            }
        })
        .collect()
}

/// Path and method of every operation in the document, by operation id.
fn places() -> HashMap<String, (String, Method)> {
    let mut places = HashMap::new();
    for (path, item) in &DOCUMENT.paths.paths {
        for (method, operation) in operations_of(item) {
            if let Some(id) = operation.and_then(|o| o.operation_id.as_deref()) {
                places.insert(id.to_string(), (path.clone(), method));
            }
        }
    }
    places
}

fn operations_of(item: &PathItem) -> [(Method, Option<&utoipa::openapi::path::Operation>); 5] {
    [
        (Method::GET, item.get.as_ref()),
        (Method::POST, item.post.as_ref()),
        (Method::PUT, item.put.as_ref()),
        (Method::PATCH, item.patch.as_ref()),
        (Method::DELETE, item.delete.as_ref()),
    ]
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        openapi.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
    }
}

/// `GET /api/v1/openapi.json`.
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(&*DOCUMENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_handler_is_served_where_the_document_says_and_nothing_else() {
        let operations: usize = DOCUMENT
            .paths
            .paths
            .values()
            .map(|item| {
                operations_of(item)
                    .iter()
                    .filter(|(_, o)| o.is_some())
                    .count()
            })
            .sum();
        assert_eq!(places().len(), operations, "operation ids must be unique");
        assert_eq!(handlers().len(), operations);
        assert_eq!(served().len(), operations);
    }

    #[test]
    fn the_document_lists_every_error_code() {
        let json = serde_json::to_value(&*DOCUMENT).unwrap();
        let listed = &json["components"]["schemas"]["ErrorCode"]["enum"];
        let codes: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(listed, &serde_json::json!(codes));
        assert_eq!(
            json["components"]["schemas"]["Problem"]["properties"]["code"]["$ref"],
            "#/components/schemas/ErrorCode"
        );
    }
}
