//! The OpenAPI document (`/api/openapi.json`) and its browsable page (`/api/docs`).

use axum::Router;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use super::api::models as model_routes;
use super::api::{budget, cloud, edit, history, jobs, sessions};
use super::api_v1::{files, inpaint, masks, media, models, plugins, schema};
use super::error::ErrorBody;
use super::openai;
use super::state::AppState;

/// mend's API description, generated from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "mend API",
        description = "IOPaint-compatible inpainting API served by mend (`/api/v1`). \
                       Errors are JSON: `{\"error\", \"detail\", \"body\", \"errors\"}`."
    ),
    paths(
        models::server_config,
        models::current_model,
        models::switch_model,
        models::samplers,
        inpaint::inpaint,
        masks::adjust_mask,
        files::input_image,
        files::save_image,
        files::gen_info,
        media::medias,
        media::media_file,
        media::media_thumbnail_file,
        plugins::run_plugin_gen_mask,
        plugins::run_plugin_gen_image,
        plugins::switch_plugin_model,
        edit::edit,
        history::list,
        history::get,
        history::file,
        history::delete,
        history::clear,
        history::get_retention,
        history::put_retention,
        jobs::list,
        jobs::get,
        jobs::cancel,
        jobs::delete,
        model_routes::list,
        model_routes::download,
        budget::status,
        budget::get_config,
        budget::put_config,
        budget::estimate,
        budget::ledger,
        budget::cloud_models,
        cloud::edit,
        sessions::get,
        sessions::put,
        sessions::delete,
        openai::models::list,
        openai::models::get,
        openai::edits::edit,
        openai::generations::generate,
        openai::variations::vary,
    ),
    components(schemas(
        ErrorBody,
        schema::InpaintRequest,
        edit::MendEditForm,
        schema::ServerConfig,
        schema::ModelInfo,
        model_routes::ModelEntry,
        schema::PluginInfo,
        schema::MediasResponse,
        schema::MediaTab,
        schema::GenInfoResponse,
        openai::error::OpenAiErrorBody,
        openai::error::ErrorDetail,
        openai::models::ModelList,
        openai::models::ModelObject,
        openai::response::ImagesResponse,
        openai::response::ImageData,
        openai::response::Usage,
        openai::response::InputTokensDetails,
        openai::request::GenerationRequest,
        openai::edits::EditForm,
        openai::variations::VariationForm,
    )),
    tags(
        (name = "iopaint", description = "IOPaint 1.6.0-compatible routes"),
        (name = "mend", description = "mend's own routes: the editor's binary edit, history, jobs, session snapshots, models and downloads"),
        (name = "budget", description = "Paid cloud models: budget status, settings, estimates, ledger, prices and the editor's cloud edit"),
        (name = "openai", description = "OpenAI-compatible images API (`/v1`); errors are \
                                          `{\"error\": {\"message\", \"type\", \"param\", \"code\"}}`")
    )
)]
pub struct ApiDoc;

/// Routes serving the document and the Swagger UI page.
pub fn router() -> Router<AppState> {
    Router::new().merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", ApiDoc::openapi()))
}
