//! The org's people across orgs: an email belongs to one org from the moment
//! its user is created, password or not.

use baton_app::org::{NewOrg, NewUser};
use baton_app::{AppError, Caller};
use baton_domain::event::Via;
use baton_domain::org::Role;
use baton_domain::{OrgId, TeamKey};
use baton_testkit::{TestApp, email, on_both_backends};

on_both_backends!(
    a_rival_org_cannot_add_a_user_of_another_org_who_has_no_password_yet,
    a_rival_org_cannot_claim_an_email_its_owner_org_added_with_a_password,
    live_and_import_agree_on_team_names,
    live_and_import_agree_on_peoples_names,
    live_and_import_agree_on_every_org_rule,
);

async fn rival(t: &TestApp) -> (OrgId, Caller) {
    let org = t
        .app
        .init_org(
            NewOrg {
                name: "Globex".into(),
                admin_email: email("admin@globex.test"),
                admin_name: "Gil Globex".into(),
                admin_password: "another horse battery".into(),
            },
            Via::Cli,
        )
        .await
        .unwrap();
    let admin = Caller::new(org.clone(), email("admin@globex.test"), Via::Api);
    (org, admin)
}

fn user(who: &str, password: Option<&str>) -> NewUser {
    NewUser {
        email: email(who),
        name: "Taken Over".into(),
        password: password.map(str::to_string),
        teams: vec![(TeamKey::parse("ae").unwrap(), Role::Member)],
        admin: false,
    }
}

async fn a_rival_org_cannot_add_a_user_of_another_org_who_has_no_password_yet(t: TestApp) {
    // ae1@acme.test is Acme's, created without a password.
    let (globex, admin) = rival(&t).await;
    let err = t
        .app
        .add_user(&admin, user("ae1@acme.test", Some("a password of globex")))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Conflict(_)), "{err:?}");
    assert!(err.to_string().contains("ae1@acme.test"), "{err}");
    // Without a password too: the email is simply not Globex's to add.
    let err = t
        .app
        .add_user(&admin, user("ae1@acme.test", None))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Conflict(_)), "{err:?}");
    // Nothing of it reached Globex, and the email still signs in to Acme
    // only (once Acme gives it a password).
    let dir = t.app.directory(&admin).await.unwrap();
    assert!(!dir.users.contains_key(&email("ae1@acme.test")));
    assert!(
        t.app
            .login("ae1@acme.test", "a password of globex")
            .await
            .is_err()
    );
    let acme_admin = t.as_user("admin@acme.test");
    t.app
        .set_password(&acme_admin, &email("ae1@acme.test"), "acme's own password")
        .await
        .unwrap();
    let session = t
        .app
        .login("ae1@acme.test", "acme's own password")
        .await
        .unwrap();
    assert_eq!(session.caller.org, t.org);
    assert_ne!(session.caller.org, globex);
}

async fn a_rival_org_cannot_claim_an_email_its_owner_org_added_with_a_password(t: TestApp) {
    let (_, admin) = rival(&t).await;
    // Globex adds its own person without a password first: Globex's now.
    t.app
        .add_user(&admin, user("new@globex.test", None))
        .await
        .unwrap();
    let acme_admin = t.as_user("admin@acme.test");
    let err = t
        .app
        .add_user(
            &acme_admin,
            user("new@globex.test", Some("acme wants it too")),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Conflict(_)), "{err:?}");
    assert!(err.to_string().contains("new@globex.test"), "{err}");
    // Globex's admin sets the password; the login goes to Globex.
    t.app
        .set_password(&admin, &email("new@globex.test"), "globex gives a password")
        .await
        .unwrap();
    let session = t
        .app
        .login("new@globex.test", "globex gives a password")
        .await
        .unwrap();
    assert_eq!(session.caller.org.as_str(), "globex");
}

/// Records where live and import part: in whether they accepted (`want`:
/// what should be stored, `None` for a refusal) or in what each stored.
fn judge(
    rule: &str,
    want: Option<&str>,
    (live, import): (Result<(), String>, Result<(), String>),
    (live_stores, import_stores): (Option<String>, Option<String>),
    disagree: &mut Vec<String>,
) {
    if (live.is_ok(), import.is_ok()) != (want.is_some(), want.is_some()) {
        disagree.push(format!("{rule}: live {live:?}, import {import:?}"));
    }
    let want = want.map(str::to_string);
    if live_stores != want || import_stores != want {
        disagree.push(format!(
            "{rule}: live stores {live_stores:?}, import stores {import_stores:?}"
        ));
    }
}

/// A team's name follows one rule live and in an import: trimmed, 1 to 100
/// characters; a blank or overlong name is refused by both, and what each
/// stores is the same.
async fn live_and_import_agree_on_team_names(t: TestApp) {
    let admin = t.as_user("admin@acme.test");
    let long = "x".repeat(101);
    let cases: [(&str, &str, Option<&str>); 3] = [
        (
            "a name with spaces around is trimmed",
            "  Partners  ",
            Some("Partners"),
        ),
        ("a blank name is refused", "   ", None),
        ("a name over 100 characters is refused", &long, None),
    ];
    let mut disagree = Vec::new();
    for (i, (rule, name, stored)) in cases.iter().enumerate() {
        let (l, m) = (format!("live-{i}"), format!("import-{i}"));
        let by_live = t
            .app
            .create_team(&admin, baton_domain::TeamKey::parse(&l).unwrap(), name)
            .await;
        let line =
            serde_json::json!({"type": "team_created", "team": m, "name": name, "at": t.app.now()});
        let by_import = t
            .app
            .import_events(Some(t.org.clone()), format!("{line}\n").as_bytes())
            .await;
        let decided = (
            by_live.as_ref().map(drop).map_err(ToString::to_string),
            by_import.as_ref().map(drop).map_err(ToString::to_string),
        );
        let dir = t.app.store().directory(&t.org).await.unwrap();
        let named = |k: &str| {
            dir.teams
                .get(&baton_domain::TeamKey::parse(k).unwrap())
                .cloned()
        };
        judge(
            rule,
            *stored,
            decided,
            (named(&l), named(&m)),
            &mut disagree,
        );
    }
    assert!(disagree.is_empty(), "{}", disagree.join("\n"));
}

/// A person's name follows one rule live and in an import: trimmed, and
/// refused when blank.
async fn live_and_import_agree_on_peoples_names(t: TestApp) {
    let admin = t.as_user("admin@acme.test");
    let cases: [(&str, &str, Option<&str>); 2] = [
        (
            "a name with spaces around is trimmed",
            "  Pat Lee  ",
            Some("Pat Lee"),
        ),
        ("a blank name is refused", " \t ", None),
    ];
    let mut disagree = Vec::new();
    for (i, (rule, name, stored)) in cases.iter().enumerate() {
        let (l, m) = (
            email(&format!("live-{i}@acme.test")),
            email(&format!("import-{i}@acme.test")),
        );
        let by_live = t
            .app
            .add_user(
                &admin,
                baton_app::org::NewUser {
                    email: l.clone(),
                    name: (*name).to_string(),
                    password: None,
                    teams: vec![],
                    admin: false,
                },
            )
            .await;
        let line = serde_json::json!({"type": "user_created", "email": m, "name": name,
            "by": "admin@acme.test", "at": t.app.now()});
        let by_import = t
            .app
            .import_events(Some(t.org.clone()), format!("{line}\n").as_bytes())
            .await;
        let decided = (
            by_live.as_ref().map(drop).map_err(ToString::to_string),
            by_import.as_ref().map(drop).map_err(ToString::to_string),
        );
        let dir = t.app.store().directory(&t.org).await.unwrap();
        let named = |e: &baton_domain::Email| dir.users.get(e).map(|u| u.name.clone());
        judge(
            rule,
            *stored,
            decided,
            (named(&l), named(&m)),
            &mut disagree,
        );
    }
    assert!(disagree.is_empty(), "{}", disagree.join("\n"));
}

/// Whose record an org rule is about: the case's own subject (a different
/// person live and in the import, set up alike), or a fixed one both share.
#[derive(Clone, Copy)]
enum Who {
    Own,
    Fixed(&'static str),
}

/// One change to the org, made live by `by` and as a history line naming
/// `by` (`None`: a line naming nobody, live the org's admin).
#[derive(Clone, Copy)]
enum OrgOp {
    Team(&'static str),
    AddUser(Who, &'static str),
    Join(Who, &'static str, Role, &'static str),
    Leave(Who, &'static str, &'static str),
    Deactivate(Who, &'static str),
    Reactivate(Who, &'static str),
}

/// How a case's subject starts: not in the org, an AE member, or an AE
/// member since deactivated.
#[derive(Clone, Copy, PartialEq)]
enum Start {
    Absent,
    Member,
    Deactivated,
}

async fn org_live(t: &TestApp, subject: &baton_domain::Email, op: OrgOp) -> Result<(), String> {
    let target = |w: Who| match w {
        Who::Own => subject.clone(),
        Who::Fixed(e) => email(e),
    };
    let team = |k: &str| TeamKey::parse(k).unwrap();
    let dir = t.app.store().directory(&t.org).await.unwrap();
    let teams_of = |e: &baton_domain::Email| {
        dir.users
            .get(e)
            .map(|u| u.teams.clone())
            .unwrap_or_default()
    };
    let r = match op {
        OrgOp::Team(key) => {
            t.app
                .create_team(&t.as_user("admin@acme.test"), team(key), "Partners")
                .await
        }
        OrgOp::AddUser(w, by) => {
            t.app
                .add_user(
                    &t.as_user(by),
                    NewUser {
                        email: target(w),
                        name: "Pat Lee".into(),
                        password: None,
                        teams: vec![],
                        admin: false,
                    },
                )
                .await
        }
        OrgOp::Join(w, k, role, by) => {
            let mut teams = teams_of(&target(w));
            teams.insert(team(k), role);
            t.app.set_teams(&t.as_user(by), &target(w), teams).await
        }
        OrgOp::Leave(w, k, by) => {
            let mut teams = teams_of(&target(w));
            teams.remove(&team(k));
            t.app.set_teams(&t.as_user(by), &target(w), teams).await
        }
        OrgOp::Deactivate(w, by) => t
            .app
            .deactivate_user(&t.as_user(by), &target(w))
            .await
            .map(drop),
        OrgOp::Reactivate(w, by) => t.app.reactivate_user(&t.as_user(by), &target(w)).await,
    };
    r.map_err(|e| e.to_string())
}

fn org_line(
    subject: &baton_domain::Email,
    op: OrgOp,
    at: baton_domain::Timestamp,
) -> serde_json::Value {
    use serde_json::json;
    let target = |w: Who| match w {
        Who::Own => subject.to_string(),
        Who::Fixed(e) => e.to_string(),
    };
    match op {
        OrgOp::Team(key) => {
            json!({"type": "team_created", "team": key, "name": "Partners", "at": at})
        }
        OrgOp::AddUser(w, by) => {
            json!({"type": "user_created", "email": target(w), "name": "Pat Lee",
                                        "admin": false, "by": by, "at": at})
        }
        OrgOp::Join(w, k, role, by) => {
            json!({"type": "member_added", "email": target(w), "team": k,
                                              "role": role, "by": by, "at": at})
        }
        OrgOp::Leave(w, k, by) => json!({"type": "member_removed", "email": target(w), "team": k,
                                         "by": by, "at": at}),
        OrgOp::Deactivate(w, by) => {
            json!({"type": "user_deactivated", "email": target(w), "by": by, "at": at})
        }
        OrgOp::Reactivate(w, by) => {
            json!({"type": "user_reactivated", "email": target(w), "by": by, "at": at})
        }
    }
}

/// Every rule about the org's teams and people is decided once: a change
/// refused live is refused in an import and the other way round, and what
/// each stores is the same. (A live "set these teams" that changes nothing
/// is a no-op by design, where a history line must change something, so
/// those two are not compared.)
async fn live_and_import_agree_on_every_org_rule(t: TestApp) {
    const ADMIN: &str = "admin@acme.test";
    const MEMBER: &str = "ae1@acme.test";
    let cases: Vec<(&str, bool, Start, OrgOp)> = vec![
        (
            "a team key is taken once",
            false,
            Start::Absent,
            OrgOp::Team("ae"),
        ),
        (
            "an admin adds a person",
            true,
            Start::Absent,
            OrgOp::AddUser(Who::Own, ADMIN),
        ),
        (
            "an email is the org's once",
            false,
            Start::Member,
            OrgOp::AddUser(Who::Own, ADMIN),
        ),
        (
            "only admins add people",
            false,
            Start::Absent,
            OrgOp::AddUser(Who::Own, MEMBER),
        ),
        (
            "an admin makes someone a lead",
            true,
            Start::Member,
            OrgOp::Join(Who::Own, "cs", Role::Lead, ADMIN),
        ),
        (
            "only admins change teams",
            false,
            Start::Member,
            OrgOp::Join(Who::Own, "cs", Role::Lead, MEMBER),
        ),
        (
            "only teams that exist are joined",
            false,
            Start::Member,
            OrgOp::Join(Who::Own, "nope", Role::Member, ADMIN),
        ),
        (
            "only people of the org join teams",
            false,
            Start::Absent,
            OrgOp::Join(Who::Own, "cs", Role::Member, ADMIN),
        ),
        (
            "an admin takes someone off a team",
            true,
            Start::Member,
            OrgOp::Leave(Who::Own, "ae", ADMIN),
        ),
        (
            "only admins take people off teams",
            false,
            Start::Member,
            OrgOp::Leave(Who::Own, "ae", MEMBER),
        ),
        (
            "an admin deactivates a leaver",
            true,
            Start::Member,
            OrgOp::Deactivate(Who::Own, ADMIN),
        ),
        (
            "only admins deactivate",
            false,
            Start::Member,
            OrgOp::Deactivate(Who::Own, MEMBER),
        ),
        (
            "nobody is deactivated twice",
            false,
            Start::Deactivated,
            OrgOp::Deactivate(Who::Own, ADMIN),
        ),
        (
            "nobody deactivates themselves or the last admin",
            false,
            Start::Absent,
            OrgOp::Deactivate(Who::Fixed(ADMIN), ADMIN),
        ),
        (
            "only people of the org are deactivated",
            false,
            Start::Absent,
            OrgOp::Deactivate(Who::Own, ADMIN),
        ),
        (
            "an admin lets a leaver back",
            true,
            Start::Deactivated,
            OrgOp::Reactivate(Who::Own, ADMIN),
        ),
        (
            "only admins let leavers back",
            false,
            Start::Deactivated,
            OrgOp::Reactivate(Who::Own, MEMBER),
        ),
        (
            "only a deactivated person is reactivated",
            false,
            Start::Member,
            OrgOp::Reactivate(Who::Own, ADMIN),
        ),
    ];
    let admin = t.as_user(ADMIN);
    let mut disagree = Vec::new();
    for (i, (rule, ok, start, op)) in cases.into_iter().enumerate() {
        let (l, m) = (
            email(&format!("rule-live-{i}@acme.test")),
            email(&format!("rule-import-{i}@acme.test")),
        );
        for subject in [&l, &m] {
            if start == Start::Absent {
                continue;
            }
            t.app
                .add_user(
                    &admin,
                    NewUser {
                        email: subject.clone(),
                        name: "Pat Lee".into(),
                        password: None,
                        teams: vec![(TeamKey::parse("ae").unwrap(), Role::Member)],
                        admin: false,
                    },
                )
                .await
                .unwrap();
            if start == Start::Deactivated {
                t.app.deactivate_user(&admin, subject).await.unwrap();
            }
        }
        let by_live = org_live(&t, &l, op).await;
        let line = org_line(&m, op, t.app.now());
        let by_import = t
            .app
            .import_events(Some(t.org.clone()), format!("{line}\n").as_bytes())
            .await
            .map(drop)
            .map_err(|e| e.to_string());
        if by_live.is_ok() != ok || by_import.is_ok() != ok {
            disagree.push(format!("{rule}: live {by_live:?}, import {by_import:?}"));
        }
        let dir = t.app.store().directory(&t.org).await.unwrap();
        let stored = |e: &baton_domain::Email| format!("{:?}", dir.users.get(e));
        if stored(&l) != stored(&m) {
            disagree.push(format!(
                "{rule}: live stores {}, import stores {}",
                stored(&l),
                stored(&m)
            ));
        }
        if !matches!(op, OrgOp::Team(_)) && dir.teams.len() != 9 {
            disagree.push(format!("{rule}: the teams changed: {:?}", dir.teams.keys()));
        }
        let admin_record = &dir.users[&email(ADMIN)];
        if !admin_record.active {
            disagree.push(format!("{rule}: the last admin was deactivated"));
        }
    }
    assert!(disagree.is_empty(), "{}", disagree.join("\n"));
}
