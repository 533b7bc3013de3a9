//! `/scim/v2`: the SCIM protocol over HTTP. Its own bearer tokens (never a user's), its own
//! media type and error schema, one transaction per request (a refused request writes
//! nothing). Not part of the OpenAPI document: SCIM clients speak the RFCs.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::App;
use crate::db::{Db, DbConnection};
use crate::error::{Error, ErrorCode, ErrorKind};
use crate::ids::UserId;
use crate::scim::error::{ScimError, ScimResult};
use crate::scim::{BASE_PATH, Change, ENTERPRISE_USER, GROUP_SCHEMA, LIST_SCHEMA, USER_SCHEMA};
use crate::scim::{filter, groups, tokens, users};

const MEDIA_TYPE: &str = "application/scim+json";
/// Most resources in one page of a list.
const MAX_COUNT: usize = 500;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope(BASE_PATH)
            .route(
                "/ServiceProviderConfig",
                web::get().to(service_provider_config),
            )
            .route("/ResourceTypes", web::get().to(resource_types))
            .route("/Schemas", web::get().to(schemas))
            .route("/{kind}", web::get().to(list))
            .route("/{kind}", web::post().to(create))
            .route("/{kind}/{id}", web::get().to(get))
            .route("/{kind}/{id}", web::put().to(replace))
            .route("/{kind}/{id}", web::patch().to(modify))
            .route("/{kind}/{id}", web::delete().to(delete))
            .default_service(web::to(|| async {
                answer(Err(ScimError::not_found("endpoint")))
            })),
    );
}

/// Which resource type a path names.
#[derive(Clone, Copy)]
enum Kind {
    Users,
    Groups,
}

fn kind_of(raw: &str) -> ScimResult<Kind> {
    match raw {
        "Users" => Ok(Kind::Users),
        "Groups" => Ok(Kind::Groups),
        _ => Err(ScimError::not_found("endpoint")),
    }
}

fn answer(result: ScimResult<(StatusCode, Value)>) -> HttpResponse {
    let (status, body) = match result {
        Ok(ok) => ok,
        Err(error) => (
            StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_REQUEST),
            error.body(),
        ),
    };
    let mut response = HttpResponse::build(status);
    response.insert_header((header::CONTENT_TYPE, MEDIA_TYPE));
    if status == StatusCode::UNAUTHORIZED {
        response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"scim\""));
    }
    if let Some(version) = body["meta"]["version"].as_str() {
        response.insert_header((header::ETAG, version));
    }
    if status == StatusCode::NO_CONTENT {
        return response.finish();
    }
    response.body(body.to_string())
}

/// The admin whose token the request carries.
async fn caller(app: &App, req: &HttpRequest) -> ScimResult<UserId> {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
        .ok_or_else(|| ScimError::status(401, "send a SCIM token: Authorization: Bearer …"))?;
    let db = app.db.clone();
    let found = web::block(move || db.write_quietly(|conn| tokens::resolve(conn, &token)))
        .await
        .map_err(|e| ScimError::from(Error::internal(e)))??;
    found
        .map(|t| t.created_by)
        .ok_or_else(|| ScimError::status(401, "the SCIM token is unknown or revoked"))
}

/// Runs `op` in one transaction on the blocking pool: a refused request writes nothing.
async fn in_transaction<T: Send + 'static>(
    db: Db,
    op: impl FnOnce(&mut DbConnection) -> ScimResult<T> + Send + 'static,
) -> ScimResult<T> {
    web::block(move || {
        let mut refused = None;
        let result = db.write(|conn| {
            op(conn).map_err(|error| {
                refused = Some(error);
                Error::new(
                    ErrorKind::BadRequest,
                    ErrorCode::InvalidBody,
                    "refused by SCIM",
                )
            })
        });
        result.map_err(|error| refused.take().unwrap_or_else(|| error.into()))
    })
    .await
    .map_err(|e| ScimError::from(Error::internal(e)))?
}

fn json_body(body: &[u8]) -> ScimResult<Value> {
    serde_json::from_slice(body)
        .map_err(|e| ScimError::bad("invalidSyntax", format!("the body is not JSON: {e}")))
}

fn if_match(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct ListQuery {
    filter: Option<String>,
    start_index: Option<i64>,
    count: Option<i64>,
    attributes: Option<String>,
    excluded_attributes: Option<String>,
}

/// Keeps the attributes asked for (`attributes`), then drops those asked away
/// (`excludedAttributes`), by their top-level name; `id` and `schemas` always stay.
fn project(resource: Value, query: &ListQuery) -> ScimResult<Value> {
    let names = |list: &Option<String>| -> ScimResult<Option<Vec<String>>> {
        list.as_ref()
            .map(|raw| {
                raw.split(',')
                    .filter(|a| !a.trim().is_empty())
                    .map(|a| filter::attr_path(a.trim()).map(|p| p.0.join(".")))
                    .collect()
            })
            .transpose()
    };
    let Value::Object(mut object) = resource else {
        return Ok(resource);
    };
    let always = |key: &str| key == "id" || key == "schemas";
    if let Some(kept) = names(&query.attributes)? {
        // `name.givenName` keeps `name`.
        object.retain(|key, _| {
            let key = key.to_lowercase();
            always(&key)
                || kept
                    .iter()
                    .any(|k| *k == key || k.starts_with(&format!("{key}.")))
        });
    }
    if let Some(dropped) = names(&query.excluded_attributes)? {
        object.retain(|key, _| always(key) || !dropped.contains(&key.to_lowercase()));
    }
    Ok(Value::Object(object))
}

async fn list(
    app: web::Data<App>,
    req: HttpRequest,
    kind: web::Path<String>,
    query: web::Query<ListQuery>,
) -> HttpResponse {
    let result = async {
        let kind = kind_of(&kind)?;
        caller(&app, &req).await?;
        let query = query.into_inner();
        let parsed = query.filter.as_deref().map(filter::parse).transpose()?;
        let found = in_transaction(app.db.clone(), move |conn| match kind {
            Kind::Users => users::list(conn, parsed.as_ref()),
            Kind::Groups => groups::list(conn, parsed.as_ref()),
        })
        .await?;
        let start = query.start_index.unwrap_or(1).max(1) as usize;
        let count = query.count.unwrap_or(100).clamp(0, MAX_COUNT as i64) as usize;
        let total = found.len();
        let page: Vec<Value> = found
            .into_iter()
            .skip(start - 1)
            .take(count)
            .map(|r| project(r, &query))
            .collect::<ScimResult<_>>()?;
        Ok((
            StatusCode::OK,
            json!({
                "schemas": [LIST_SCHEMA],
                "totalResults": total,
                "startIndex": start,
                "itemsPerPage": page.len(),
                "Resources": page,
            }),
        ))
    };
    answer(result.await)
}

async fn get(
    app: web::Data<App>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<ListQuery>,
) -> HttpResponse {
    let result = async {
        let (kind, id) = path.into_inner();
        let kind = kind_of(&kind)?;
        caller(&app, &req).await?;
        let found = in_transaction(app.db.clone(), move |conn| match kind {
            Kind::Users => users::get(conn, &id),
            Kind::Groups => groups::get(conn, &id),
        })
        .await?;
        Ok((StatusCode::OK, project(found, &query)?))
    };
    answer(result.await)
}

async fn create(
    app: web::Data<App>,
    req: HttpRequest,
    kind: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let result = async {
        let kind = kind_of(&kind)?;
        let actor = caller(&app, &req).await?;
        let origin = crate::http::extract::origin(&req);
        let body = json_body(&body)?;
        let made = in_transaction(app.db.clone(), move |conn| match kind {
            Kind::Users => users::create(conn, actor, &body, &origin),
            Kind::Groups => groups::create(conn, actor, &body, &origin),
        })
        .await?;
        Ok((StatusCode::CREATED, made))
    };
    answer(result.await)
}

async fn replace(
    app: web::Data<App>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    answer(change(app, req, path.into_inner(), body, Change::Replace).await)
}

async fn modify(
    app: web::Data<App>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    answer(change(app, req, path.into_inner(), body, Change::Modify).await)
}

async fn change(
    app: web::Data<App>,
    req: HttpRequest,
    (kind, id): (String, String),
    body: web::Bytes,
    how: Change,
) -> ScimResult<(StatusCode, Value)> {
    let kind = kind_of(&kind)?;
    let actor = caller(&app, &req).await?;
    let origin = crate::http::extract::origin(&req);
    let (body, expected) = (json_body(&body)?, if_match(&req));
    let stored = in_transaction(app.db.clone(), move |conn| {
        let expected = expected.as_deref();
        match kind {
            Kind::Users => users::change(conn, actor, &id, &body, expected, how, &origin),
            Kind::Groups => groups::change(conn, actor, &id, &body, expected, how, &origin),
        }
    })
    .await?;
    Ok((StatusCode::OK, stored))
}

async fn delete(
    app: web::Data<App>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let result = async {
        let (kind, id) = path.into_inner();
        let kind = kind_of(&kind)?;
        let actor = caller(&app, &req).await?;
        let origin = crate::http::extract::origin(&req);
        let expected = if_match(&req);
        in_transaction(app.db.clone(), move |conn| match kind {
            Kind::Users => users::delete(conn, actor, &id, expected.as_deref(), &origin),
            Kind::Groups => groups::delete(conn, actor, &id, expected.as_deref(), &origin),
        })
        .await?;
        Ok((StatusCode::NO_CONTENT, Value::Null))
    };
    answer(result.await)
}

async fn service_provider_config(app: web::Data<App>, req: HttpRequest) -> HttpResponse {
    let result = async {
        caller(&app, &req).await?;
        Ok((
            StatusCode::OK,
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
                "documentationUri": "https://github.com/agora/agora/blob/main/docs/scim.md",
                "patch": {"supported": true},
                "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
                "filter": {"supported": true, "maxResults": MAX_COUNT},
                "changePassword": {"supported": false},
                "sort": {"supported": false},
                "etag": {"supported": true},
                "authenticationSchemes": [{
                    "type": "oauthbearertoken",
                    "name": "Bearer token",
                    "description": "A SCIM token an admin makes on Admin → SCIM",
                    "primary": true,
                }],
                "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{BASE_PATH}/ServiceProviderConfig")},
            }),
        ))
    };
    answer(result.await)
}

async fn resource_types(app: web::Data<App>, req: HttpRequest) -> HttpResponse {
    let result = async {
        caller(&app, &req).await?;
        let types = [
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"], "id": "User", "name": "User",
                "endpoint": "/Users", "schema": USER_SCHEMA,
                "schemaExtensions": [{"schema": ENTERPRISE_USER, "required": false}],
                "meta": {"resourceType": "ResourceType", "location": format!("{BASE_PATH}/ResourceTypes/User")}}),
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"], "id": "Group", "name": "Group",
                "endpoint": "/Groups", "schema": GROUP_SCHEMA,
                "meta": {"resourceType": "ResourceType", "location": format!("{BASE_PATH}/ResourceTypes/Group")}}),
        ];
        Ok((StatusCode::OK, listed(&types)))
    };
    answer(result.await)
}

fn listed(items: &[Value]) -> Value {
    json!({"schemas": [LIST_SCHEMA], "totalResults": items.len(), "startIndex": 1, "itemsPerPage": items.len(), "Resources": items})
}

fn attribute(name: &str, kind: &str, multi: bool, mutability: &str) -> Value {
    json!({"name": name, "type": kind, "multiValued": multi, "required": name == "userName" || name == "displayName",
        "caseExact": false, "mutability": mutability, "returned": "default", "uniqueness": if name == "userName" { "server" } else { "none" }})
}

async fn schemas(app: web::Data<App>, req: HttpRequest) -> HttpResponse {
    let result = async {
        caller(&app, &req).await?;
        let schema = |id: &str, name: &str, attributes: Vec<Value>| {
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"], "id": id, "name": name, "attributes": attributes,
                "meta": {"resourceType": "Schema", "location": format!("{BASE_PATH}/Schemas/{id}")}})
        };
        let items = [
            schema(
                USER_SCHEMA,
                "User",
                vec![
                    attribute("userName", "string", false, "readWrite"),
                    attribute("name", "complex", false, "readWrite"),
                    attribute("displayName", "string", false, "readWrite"),
                    attribute("title", "string", false, "readWrite"),
                    attribute("active", "boolean", false, "readWrite"),
                    attribute("emails", "complex", true, "readWrite"),
                    attribute("externalId", "string", false, "readWrite"),
                ],
            ),
            schema(
                ENTERPRISE_USER,
                "EnterpriseUser",
                vec![
                    attribute("department", "string", false, "readWrite"),
                    attribute("employeeNumber", "string", false, "readWrite"),
                    attribute("manager", "complex", false, "readWrite"),
                ],
            ),
            schema(
                GROUP_SCHEMA,
                "Group",
                vec![
                    attribute("displayName", "string", false, "readWrite"),
                    attribute("members", "complex", true, "readWrite"),
                    attribute("externalId", "string", false, "readWrite"),
                ],
            ),
        ];
        Ok((StatusCode::OK, listed(&items)))
    };
    answer(result.await)
}
