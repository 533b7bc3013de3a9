//! The OpenAPI 3 document, generated from the handlers' annotations so it cannot drift.

use actix_web::HttpResponse;
use utoipa::OpenApi;

use super::{accounts, users};
use crate::http::{error::Problem, ops};

#[derive(OpenApi)]
#[openapi(
    info(title = "Agora API", description = "The HTTP API of Agora, a self-hosted enterprise social network."),
    paths(
        accounts::setup, accounts::create_token, accounts::revoke_token, accounts::me, accounts::update_me,
        users::create_user, users::list_users, users::show_user, users::deactivate_user,
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
