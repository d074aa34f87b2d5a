//! Starting a handoff: the new-handoff page and its account picker.

use super::*;

#[derive(Template)]
#[template(path = "handoffs/new.html")]
pub(super) struct NewPage {
    page: Page,
    /// (key, title, receiving teams, mode) of the contracts the viewer sends.
    contracts: Vec<(String, String, String, &'static str)>,
    accounts: Vec<(String, String)>,
    contract: String,
    account: String,
    deal: String,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct NewQuery {
    contract: Option<String>,
    account: Option<String>,
    deal: Option<String>,
}

pub(super) async fn new_page(
    s: &AppState,
    v: &Viewer,
    contract: String,
    account: String,
    deal: String,
    error: Option<String>,
) -> UiResult {
    let contracts = s
        .app
        .contracts(&v.caller)
        .await?
        .into_iter()
        .filter(|c| v.actor.admin || v.actor.in_team(&c.current.sending_team))
        .map(|c| {
            let to = c
                .current
                .receiving_teams
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            (c.key.to_string(), c.current.title, to, c.mode.as_str())
        })
        .collect();
    let (accounts, _) = s
        .app
        .accounts(&v.caller, None, baton_app::accounts::MAX_ACCOUNT_PAGE)
        .await?;
    let page = NewPage {
        page: v.page.at("new"),
        contracts,
        accounts: accounts.iter().map(account_option).collect(),
        contract,
        account,
        deal,
        error,
    };
    render_form(page.error.is_some(), &page)
}

/// An account as the picker offers it: "Name (id)" to pick, ARR beside.
pub(super) fn account_option(a: &baton_domain::account::Account) -> (String, String) {
    (format!("{} ({})", a.name, a.id), money(&a.arr))
}

#[derive(Template)]
#[template(
    source = "{% for (value, label) in options %}<option value=\"{{ value }}\">{{ label }}</option>{% endfor %}",
    ext = "html"
)]
pub(super) struct AccountOptions {
    options: Vec<(String, String)>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct PickQuery {
    account: Option<String>,
}

/// `GET /accounts/options?account=…`: the picker's suggestions for what
/// is typed so far (htmx swaps them into the datalist), by name or id.
pub(super) async fn account_options(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<PickQuery>,
) -> UiResult {
    let typed = q.account.unwrap_or_default();
    let found = s.app.find_accounts(&v.caller, &typed, 20).await?;
    render(&AccountOptions {
        options: found.iter().map(account_option).collect(),
    })
}

pub(super) async fn new_form(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<NewQuery>,
) -> UiResult {
    new_page(
        &s,
        &v,
        q.contract.unwrap_or_default(),
        q.account.unwrap_or_default(),
        q.deal.unwrap_or_default(),
        None,
    )
    .await
}

pub(super) async fn create(State(s): State<AppState>, Posted(v, f): Posted) -> UiResult {
    let contract = f.get("contract").unwrap_or_default().to_string();
    let account = f.get("account").unwrap_or_default().to_string();
    let deal = f.get("deal").unwrap_or_default().trim().to_string();
    let started = async {
        let new = NewHandoff {
            id: None,
            contract: ContractKey::parse(&contract).map_err(|e| invalid("contract", e))?,
            account: s.app.account_named(&v.caller, &account).await?,
            deal: if deal.is_empty() {
                None
            } else {
                Some(DealId::parse(&deal).map_err(|e| invalid("deal", e))?)
            },
            to: None,
            values: BTreeMap::new(),
            attachments: Vec::new(),
        };
        Ok::<_, UiError>(s.app.start_handoff(&v.caller, new).await?)
    }
    .await;
    match started {
        Ok(h) => Ok(Redirect::to(&format!("/handoffs/{}/edit", h.id)).into_response()),
        Err(UiError::Status(_, message)) => {
            new_page(&s, &v, contract, account, deal, Some(message)).await
        }
        Err(e) => Err(e),
    }
}
