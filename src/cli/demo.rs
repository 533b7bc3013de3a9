//! `agora demo`: fills an empty instance with a small, believable company — people in several
//! departments, groups of every visibility (one of them open to guests), and posts with tags,
//! mentions, comments and likes — through the same actions the app uses.

use crate::access::{Scope, Viewer};
use crate::accounts::actions::{self as accounts, NewAccount, Registration};
use crate::accounts::{User, UserKind};
use crate::config::{AuthSettings, Config};
use crate::db::Db;
use crate::error::{Error, ErrorCode, Result};
use crate::groups::actions::{self as groups, NewGroup};
use crate::groups::{Role, Visibility};
use crate::posts::actions::{self as posts, NewPost};
use crate::posts::comments;
use crate::{feeds, follows};

/// The password of every demo account, printed when the demo is made.
pub const DEMO_PASSWORD: &str = "agora-demo-password";

const PEOPLE: &[(&str, &str, &str, &str)] = &[
    ("Maya Chen", "maya", "VP Engineering", "Engineering"),
    ("Omar Haddad", "omar", "Staff Engineer", "Engineering"),
    ("Lena Fischer", "lena", "Backend Engineer", "Engineering"),
    ("Tomás Ruiz", "tomas", "Frontend Engineer", "Engineering"),
    ("Priya Nair", "priya", "SRE Lead", "Engineering"),
    ("Jonas Berg", "jonas", "Mobile Engineer", "Engineering"),
    ("Aiko Tanaka", "aiko", "Data Engineer", "Engineering"),
    ("Sam Okafor", "sam", "Security Engineer", "Engineering"),
    ("Grace Kim", "grace", "Head of Design", "Design"),
    ("Luca Romano", "luca", "Product Designer", "Design"),
    ("Nora Lindqvist", "nora", "UX Researcher", "Design"),
    (
        "Daniel Weiss",
        "daniel",
        "Chief Executive Officer",
        "Leadership",
    ),
    (
        "Fatima Zahra",
        "fatima",
        "Chief Financial Officer",
        "Finance",
    ),
    ("Ben Carter", "ben", "Controller", "Finance"),
    ("Chloe Martin", "chloe", "Head of People", "People"),
    ("Ravi Patel", "ravi", "Recruiter", "People"),
    ("Elena Popescu", "elena", "Product Manager", "Product"),
    ("Hugo Laurent", "hugo", "Product Manager", "Product"),
    ("Isabel Souza", "isabel", "Head of Sales", "Sales"),
    ("Kwame Mensah", "kwame", "Account Executive", "Sales"),
    ("Sofia Rossi", "sofia", "Account Executive", "Sales"),
    ("Mark Jensen", "mark", "Solutions Engineer", "Sales"),
    (
        "Yuki Sato",
        "yuki",
        "Customer Success Lead",
        "Customer Success",
    ),
    ("Ahmed Ali", "ahmed", "Support Engineer", "Customer Success"),
    (
        "Hannah Novak",
        "hannah",
        "Support Engineer",
        "Customer Success",
    ),
    ("Leo Schmidt", "leo", "Marketing Lead", "Marketing"),
    ("Mia Johansson", "mia", "Content Writer", "Marketing"),
    ("Noah Williams", "noah", "Office Manager", "Operations"),
    ("Zara Ahmed", "zara", "Legal Counsel", "Legal"),
    ("Oliver Brown", "oliver", "IT Administrator", "Operations"),
];

/// (name, description, visibility, allow guests, owner, members)
type GroupSpec = (
    &'static str,
    &'static str,
    Visibility,
    bool,
    &'static str,
    &'static [&'static str],
);
/// (author, group or "" for the company feed, body, (commenter, comment)s, likers)
type PostSpec = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static [&'static str],
);

const GROUPS: &[GroupSpec] = &[
    (
        "Announcements",
        "Company-wide news from the leadership team.",
        Visibility::Public,
        false,
        "daniel",
        &["maya", "fatima", "chloe", "isabel", "grace"],
    ),
    (
        "Engineering",
        "How we build, run and secure the product.",
        Visibility::Public,
        false,
        "maya",
        &[
            "omar", "lena", "tomas", "priya", "jonas", "aiko", "sam", "elena",
        ],
    ),
    (
        "Design Critique",
        "Share work in progress and get feedback.",
        Visibility::Public,
        false,
        "grace",
        &["luca", "nora", "tomas", "elena", "hugo"],
    ),
    (
        "Coffee & Chat",
        "Everything that is not work.",
        Visibility::Public,
        false,
        "noah",
        &["mia", "leo", "ravi", "hannah", "jonas", "sofia"],
    ),
    (
        "Leadership Team",
        "Planning and decisions of the leadership team.",
        Visibility::Private,
        false,
        "daniel",
        &["maya", "fatima", "chloe", "isabel", "grace"],
    ),
    (
        "Project Falcon",
        "Confidential: evaluation of a possible acquisition.",
        Visibility::Secret,
        false,
        "fatima",
        &["daniel", "zara", "ben"],
    ),
    (
        "Acme Corp — Beta Program",
        "Working with Acme's team on the beta of our new reporting.",
        Visibility::Private,
        true,
        "yuki",
        &["elena", "ahmed", "kwame", "omar"],
    ),
];

const POSTS: &[PostSpec] = &[
    (
        "daniel",
        "Announcements",
        "Welcome to **Agora**, our new home for company news and conversations. Follow #announcements and join the groups that matter to you.",
        &[
            ("chloe", "Great to have everything in one place!"),
            ("maya", "Engineering is already moving its updates here."),
        ],
        &["chloe", "maya", "grace", "fatima", "noah", "mia"],
    ),
    (
        "maya",
        "Engineering",
        "The Q3 #roadmap is up for review. @elena and @omar, could you check the #reporting milestones?",
        &[
            ("elena", "On it — I'll add the beta dates."),
            ("omar", "Looks good; the export work is the risky part."),
        ],
        &["elena", "omar", "lena"],
    ),
    (
        "priya",
        "Engineering",
        "Post-mortem for Tuesday's #incident: a certificate expired on the staging load balancer. We now alert 30 days ahead. Details: https://wiki.example.com/postmortems/42",
        &[
            ("sam", "Thanks for the quick write-up."),
            ("maya", "Good catch on the alerting gap."),
        ],
        &["sam", "maya", "lena", "aiko"],
    ),
    (
        "lena",
        "Engineering",
        "Tip: `cargo nextest` cut our test time in half. #rust #productivity",
        &[("jonas", "Trying it on the mobile backend today.")],
        &["jonas", "tomas"],
    ),
    (
        "grace",
        "Design Critique",
        "New empty states for the dashboard — feedback welcome before Friday. #design #reporting",
        &[
            ("luca", "Love the illustrations, maybe lighter copy?"),
            ("nora", "Users in testing asked for a clearer next step."),
        ],
        &["luca", "nora", "elena"],
    ),
    (
        "noah",
        "Coffee & Chat",
        "Friday lunch is on the terrace if the sun stays out. #office",
        &[
            ("mia", "Count me in!"),
            ("ravi", "Bringing the new hires along."),
        ],
        &["mia", "ravi", "hannah", "leo"],
    ),
    (
        "daniel",
        "Leadership Team",
        "Draft agenda for the offsite: #hiring plan, #budget review, customer council. @fatima can you own the budget session?",
        &[("fatima", "Yes, I'll circulate numbers Wednesday.")],
        &["fatima", "chloe"],
    ),
    (
        "fatima",
        "Project Falcon",
        "Diligence data room is open. Please keep all discussion in this group. #falcon",
        &[("zara", "NDA tracker added to the room.")],
        &["daniel", "zara"],
    ),
    (
        "yuki",
        "Acme Corp — Beta Program",
        "Kick-off notes with Acme: they need scheduled exports and SSO for the #reporting beta.",
        &[
            ("elena", "Scheduled exports are in sprint 14."),
            ("omar", "SSO works with their IdP in staging."),
        ],
        &["elena", "kwame"],
    ),
    (
        "isabel",
        "",
        "We closed three new customers this week! Thank you @kwame, @sofia and @mark. #sales #wins",
        &[
            ("daniel", "Fantastic work, team."),
            ("yuki", "Onboarding calls are booked."),
        ],
        &["daniel", "kwame", "sofia", "mark", "yuki", "leo"],
    ),
    (
        "chloe",
        "",
        "Open enrollment for benefits ends on the 30th. Questions? Ask here or DM me. #benefits #people",
        &[
            ("ben", "Is the dental plan changing?"),
            ("chloe", "@ben no changes this year."),
        ],
        &["ben", "noah"],
    ),
    (
        "ravi",
        "",
        "We are #hiring: two backend engineers and a product designer. Referrals welcome!",
        &[("maya", "Shared with my network.")],
        &["maya", "grace", "chloe"],
    ),
    (
        "leo",
        "",
        "The spring campaign went live this morning. First numbers look promising. #marketing",
        &[("mia", "The blog post is the top referrer so far.")],
        &["mia", "isabel"],
    ),
    (
        "sam",
        "Engineering",
        "Reminder: rotate your API keys before the end of the month. #security",
        &[],
        &["priya", "oliver"],
    ),
    (
        "aiko",
        "Engineering",
        "The new #reporting pipeline processes yesterday's data in 12 minutes instead of 2 hours.",
        &[
            ("elena", "Huge for the Acme beta!"),
            ("maya", "Nice work @aiko."),
        ],
        &["elena", "maya", "omar", "yuki"],
    ),
    (
        "oliver",
        "",
        "Laptop refresh: new machines arrive next week; I'll book slots with each of you. #it",
        &[("jonas", "Can I keep the old one as a test device?")],
        &["jonas"],
    ),
];

/// Fills an empty instance; refuses when people other than one admin already exist.
pub fn fill(db: &Db, settings: &AuthSettings) -> Result<String> {
    let existing = db
        .read(|conn| {
            let scope = system_scope(conn)?;
            crate::accounts::access::directory(conn, &scope, Default::default(), None, 3)
        })?
        .0;
    if existing.len() > 1 {
        return Err(Error::conflict(
            ErrorCode::NotEmpty,
            "the demo fills an empty instance; this one already has people",
        ));
    }
    let operator = Viewer::User(crate::access::Principal {
        id: crate::ids::UserId(0),
        kind: UserKind::Admin,
    });
    let mut people: Vec<(String, User)> = Vec::new();
    for (name, handle, title, department) in PEOPLE {
        let account = NewAccount {
            email: format!("{handle}@example.com"),
            name: (*name).into(),
            password: DEMO_PASSWORD.into(),
            kind: UserKind::Employee,
        };
        let user = accounts::register(db, settings, account, Registration::ByAdmin(&operator))?;
        let profile = accounts::ProfileUpdate {
            title: Some((*title).into()),
            department: Some((*department).into()),
            ..Default::default()
        };
        db.write(|conn| accounts::update_profile(conn, &user.viewer(), &profile))?;
        people.push(((*handle).to_string(), user));
    }
    let mut group_ids = Vec::new();
    for (name, description, visibility, allow_guests, owner, members) in GROUPS {
        let owner = person(&people, owner)?;
        let input = NewGroup {
            name: (*name).into(),
            description: (*description).into(),
            visibility: *visibility,
            allow_guests: *allow_guests,
            // The company's announcements are the leadership's to post; everyone comments.
            broadcast: *name == "Announcements",
            members_comment: true,
        };
        let group = as_user(db, &owner, |conn, scope| {
            groups::create_group(conn, scope, &input)
        })?;
        for member in *members {
            let member = person(&people, member)?;
            as_user(db, &owner, |conn, scope| {
                groups::add_member(conn, scope, group.id, member.id, Role::Member)
            })?;
        }
        group_ids.push(((*name).to_string(), group.id));
    }
    let beta = group_ids
        .iter()
        .find(|(n, _)| n.starts_with("Acme"))
        .map(|(_, id)| *id);
    let yuki = person(&people, "yuki")?;
    for (name, handle) in [("Rita Gomez", "rita"), ("Paul Meyer", "paul")] {
        let account = NewAccount {
            email: format!("{handle}@acme.example"),
            name: name.into(),
            password: DEMO_PASSWORD.into(),
            kind: UserKind::Guest,
        };
        let guest = accounts::register(
            db,
            settings,
            account,
            Registration::Guest { sponsor: yuki.id },
        )?;
        db.write(|conn| crate::guests::actions::enrol(conn, guest.id, yuki.id, 90))?;
        if let Some(beta) = beta {
            as_user(db, &yuki, |conn, scope| {
                groups::add_member(conn, scope, beta, guest.id, Role::Member)
            })?;
        }
        people.push((handle.to_string(), guest));
    }
    for (author, group, body, thread, likers) in POSTS {
        let author = person(&people, author)?;
        let group_id = group_ids
            .iter()
            .find(|(n, _)| n == group)
            .map(|(_, id)| id.to_string());
        let input = NewPost {
            body: (*body).into(),
            group_id,
            quiet: false,
            employees_only: false,
        };
        let post = as_user(db, &author, |conn, scope| {
            posts::create_post(conn, scope, &input)
        })?;
        for (commenter, text) in *thread {
            let commenter = person(&people, commenter)?;
            as_user(db, &commenter, |conn, scope| {
                comments::add_comment(conn, scope, post.id, text, false)
            })?;
        }
        for liker in *likers {
            let liker = person(&people, liker)?;
            as_user(db, &liker, |conn, scope| {
                posts::set_post_like(conn, scope, post.id, true)
            })?;
        }
    }
    for (follower, followee) in [
        ("omar", "maya"),
        ("lena", "priya"),
        ("elena", "aiko"),
        ("kwame", "isabel"),
        ("mia", "leo"),
    ] {
        let (follower, followee) = (person(&people, follower)?, person(&people, followee)?);
        as_user(db, &follower, |conn, scope| {
            follows::set_user_follow(conn, scope, followee.id, true)
        })?;
    }
    for (handle, _) in &people {
        let person = person(&people, handle)?;
        if person.kind() != UserKind::Guest {
            as_user(db, &person, |conn, scope| {
                follows::set_tag_follow(conn, scope, "announcements", true).map(|_| ())
            })?;
        }
    }
    let sample = person(&people, "maya")?;
    let home = db.read(|conn| {
        let scope = Scope::resolve(conn, &sample.viewer())?;
        feeds::read(conn, &scope, &feeds::Feed::Home, None, 5)
    })?;
    Ok(format!(
        "Added {} people (2 of them guests from acme.example), {} groups and {} posts; maya's home feed starts with {} posts.\n\
         Sign in as any of them, e.g. maya@example.com, with the password {DEMO_PASSWORD}",
        people.len(),
        GROUPS.len(),
        POSTS.len(),
        home.items.len()
    ))
}

/// The demo person with `handle`.
fn person(people: &[(String, User)], handle: &str) -> Result<User> {
    people
        .iter()
        .find(|(h, _)| h == handle)
        .map(|(_, u)| u.clone())
        .ok_or_else(|| Error::internal(format!("no demo person {handle}")))
}

/// Runs one action as `user`, in its own transaction.
fn as_user<T>(
    db: &Db,
    user: &User,
    action: impl FnOnce(&mut crate::db::DbConnection, &Scope) -> Result<T>,
) -> Result<T> {
    db.write(|conn| {
        let scope = Scope::resolve(conn, &user.viewer())?;
        action(conn, &scope)
    })
}

/// The scope of the command line, which acts with an administrator's authority.
fn system_scope(conn: &mut crate::db::DbConnection) -> Result<Scope> {
    Scope::resolve(
        conn,
        &Viewer::User(crate::access::Principal {
            id: crate::ids::UserId(0),
            kind: UserKind::Admin,
        }),
    )
}

/// `agora demo`: fills the instance of `config` and prints the summary.
pub fn run(config: Config) -> Result<(), String> {
    let app = super::build(config)?;
    let summary = fill(&app.db, &app.config.auth).map_err(|e| e.detail)?;
    println!("{summary}");
    Ok(())
}
