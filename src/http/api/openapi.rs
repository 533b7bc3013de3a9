//! The OpenAPI 3 document, generated from the handlers' annotations so it cannot drift.

use actix_web::HttpResponse;
use utoipa::OpenApi;

use super::{
    accounts, admin_mail, digests, feed_tokens, feeds, groups, guests, notifications, posts,
    search, stream, users,
};
use crate::http::{error::Problem, ops};

#[derive(OpenApi)]
#[openapi(
    info(title = "Agora API", description = "The HTTP API of Agora, a self-hosted enterprise social network."),
    paths(
        accounts::setup, accounts::create_token, accounts::revoke_token, accounts::me, accounts::update_me,
        users::create_user, users::list_users, users::show_user, users::deactivate_user,
        groups::create_group, groups::list_groups, groups::show_group, groups::update_group, groups::join_group,
        groups::list_members, groups::add_member, groups::remove_member, groups::list_requests,
        posts::create_post, posts::preview_post, posts::show_post, posts::edit_post, posts::delete_post, posts::post_history,
        posts::like_post, posts::unlike_post, posts::add_comment, posts::list_comments,
        posts::edit_comment, posts::delete_comment, posts::comment_history, posts::like_comment, posts::unlike_comment,
        feeds::home_feed, feeds::company_feed, feeds::group_feed, feeds::tag_feed, feeds::person_feed,
        feeds::list_tags, feeds::trending_tags, feeds::show_tag, feeds::follow_user, feeds::unfollow_user, feeds::follow_tag, feeds::unfollow_tag,
        feed_tokens::show_feed_token, feed_tokens::reset_feed_token, feed_tokens::revoke_feed_token,
        search::search, search::suggest,
        guests::invite, guests::list_invitations, guests::resend, guests::cancel, guests::accept,
        guests::list_guests, guests::extend_guest, guests::revoke_guest,
        stream::stream,
        admin_mail::list_mail, admin_mail::retry_mail,
        notifications::list_notifications, notifications::mark_read, notifications::unread,
        notifications::show_settings, notifications::update_settings, notifications::mute_thread, notifications::unmute_thread,
        digests::run_digests, digests::show_membership, digests::set_membership,
        ops::healthz, ops::readyz, ops::metrics,
    ),
    components(schemas(Problem)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

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
    HttpResponse::Ok().json(ApiDoc::openapi())
}
