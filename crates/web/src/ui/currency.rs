//! The currency page: the org's reporting currency and exchange rates, for
//! anyone in the org to read and for admins to set. The leak audit converts
//! with them and names every currency they do not cover.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use baton_app::AppError;
use baton_app::fx::{FxSettings, NewRate};
use baton_domain::fx::ReportingSource;
use baton_domain::{Currency, Rate};
use serde::Deserialize;

use crate::AppState;
use crate::error::ApiError;
use crate::ui::{Page, Posted, UiError, UiResult, Viewer, render_form};

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/currency", get(page).post(set_currency))
        .route("/currency/rates.csv", get(rates_csv))
        .route("/currency/rates", post(add_rate))
}

#[derive(Template)]
#[template(path = "currency.html")]
struct CurrencyPage {
    page: Page,
    settings: FxSettings,
    source: &'static str,
    /// The rate form as posted (currency, rate, effective), kept on error.
    form: (String, String, String),
    error: Option<String>,
    done: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Done {
    done: Option<String>,
}

fn source_words(s: ReportingSource) -> &'static str {
    match s {
        ReportingSource::Set => "set by an admin",
        ReportingSource::MostCommonAccountCurrency => {
            "not set: the most common currency of the org's accounts"
        }
        ReportingSource::Fallback => "not set, and no accounts yet: USD",
    }
}

async fn show(
    s: &AppState,
    v: &Viewer,
    form: (String, String, String),
    error: Option<String>,
    done: Option<String>,
) -> UiResult {
    let settings = s.app.fx_settings(&v.caller).await?;
    let page = CurrencyPage {
        page: v.page.at("currency"),
        source: source_words(settings.reporting.source),
        settings,
        form,
        error,
        done,
    };
    render_form(page.error.is_some(), &page)
}

/// A refusal to show on the form; one that is not about the input (not an
/// admin: 403) is answered as such.
fn form_error(e: AppError) -> Result<String, UiError> {
    let api = ApiError::from(e);
    if api.status == 403 {
        return Err(api.into());
    }
    Ok(api.detail)
}

/// `GET /currency/rates.csv`: every exchange rate, as the page lists them.
async fn rates_csv(State(s): State<AppState>, v: Viewer) -> UiResult {
    let settings = s.app.fx_settings(&v.caller).await?;
    let mut out = baton_app::csv_cells::header(&["currency", "rate", "into", "effective"]);
    for r in &settings.rates {
        out.push_str(
            &baton_app::csv_cells::Row::new()
                .text(r.currency.as_str())
                .text(r.rate.to_string())
                .text(r.to.as_str())
                .text(r.effective.to_string())
                .line(),
        );
    }
    Ok(crate::ui::download::csv("rates", out))
}

async fn page(State(s): State<AppState>, v: Viewer, Query(d): Query<Done>) -> UiResult {
    show(&s, &v, Default::default(), None, d.done).await
}

async fn set_currency(State(s): State<AppState>, Posted(v, f): Posted) -> UiResult {
    let raw = f.get("currency").unwrap_or_default().to_string();
    let result = match Currency::parse(&raw) {
        Ok(c) => match s.app.set_reporting_currency(&v.caller, c).await {
            Ok(_) => Ok(()),
            Err(e) => Err(form_error(e)?),
        },
        Err(e) => Err(e.to_string()),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/currency?done=currency").into_response()),
        Err(why) => show(&s, &v, Default::default(), Some(why), None).await,
    }
}

async fn add_rate(State(s): State<AppState>, Posted(v, f): Posted) -> UiResult {
    let field = |k: &str| f.get(k).unwrap_or_default().to_string();
    let form = (field("currency"), field("rate"), field("effective"));
    let parsed = (|| {
        Ok::<_, String>(NewRate {
            currency: Currency::parse(&form.0).map_err(|e| e.to_string())?,
            rate: Rate::parse(&form.1).map_err(|e| e.to_string())?,
            effective: form
                .2
                .parse()
                .map_err(|_| format!("'{}' is not a date like 2026-01-01", form.2))?,
        })
    })();
    let result = match parsed {
        Ok(new) => match s.app.set_fx_rate(&v.caller, new).await {
            Ok(_) => Ok(()),
            Err(e) => Err(form_error(e)?),
        },
        Err(why) => Err(why),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/currency?done=rate").into_response()),
        Err(why) => show(&s, &v, form, Some(why), None).await,
    }
}
