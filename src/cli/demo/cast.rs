//! Who works at the demo company, how they report to each other, and where they talk.

use crate::groups::Visibility;

/// An employee of the demo company; her email is `<handle>@example.com`.
pub struct Person {
    pub name: &'static str,
    pub handle: &'static str,
    pub title: &'static str,
    pub department: &'static str,
    /// Her manager's handle; empty for the chief executive.
    pub manager: &'static str,
    pub office: Office,
}

/// Where someone works, and its time zone.
#[derive(Clone, Copy)]
pub struct Office(pub &'static str, pub &'static str);

const BERLIN: Office = Office("Berlin", "Europe/Berlin");
const LISBON: Office = Office("Lisbon", "Europe/Lisbon");
const NEW_YORK: Office = Office("New York", "America/New_York");
const REMOTE: Office = Office("Remote", "UTC");

const fn person(
    name: &'static str,
    handle: &'static str,
    title: &'static str,
    department: &'static str,
    manager: &'static str,
    office: Office,
) -> Person {
    Person {
        name,
        handle,
        title,
        department,
        manager,
        office,
    }
}

pub const PEOPLE: &[Person] = &[
    person(
        "Daniel Weiss",
        "daniel",
        "Chief Executive Officer",
        "Leadership",
        "",
        BERLIN,
    ),
    person(
        "Maya Chen",
        "maya",
        "VP Engineering",
        "Engineering",
        "daniel",
        BERLIN,
    ),
    person(
        "Omar Haddad",
        "omar",
        "Staff Engineer",
        "Engineering",
        "maya",
        BERLIN,
    ),
    person(
        "Lena Fischer",
        "lena",
        "Backend Engineer",
        "Engineering",
        "omar",
        BERLIN,
    ),
    person(
        "Tomás Ruiz",
        "tomas",
        "Frontend Engineer",
        "Engineering",
        "omar",
        LISBON,
    ),
    person(
        "Priya Nair",
        "priya",
        "SRE Lead",
        "Engineering",
        "maya",
        REMOTE,
    ),
    person(
        "Jonas Berg",
        "jonas",
        "Mobile Engineer",
        "Engineering",
        "omar",
        BERLIN,
    ),
    person(
        "Aiko Tanaka",
        "aiko",
        "Data Engineer",
        "Engineering",
        "priya",
        REMOTE,
    ),
    person(
        "Sam Okafor",
        "sam",
        "Security Engineer",
        "Engineering",
        "priya",
        LISBON,
    ),
    person(
        "Grace Kim",
        "grace",
        "Head of Design",
        "Design",
        "daniel",
        NEW_YORK,
    ),
    person(
        "Luca Romano",
        "luca",
        "Product Designer",
        "Design",
        "grace",
        LISBON,
    ),
    person(
        "Nora Lindqvist",
        "nora",
        "UX Researcher",
        "Design",
        "grace",
        REMOTE,
    ),
    person(
        "Fatima Zahra",
        "fatima",
        "Chief Financial Officer",
        "Finance",
        "daniel",
        BERLIN,
    ),
    person(
        "Ben Carter",
        "ben",
        "Controller",
        "Finance",
        "fatima",
        NEW_YORK,
    ),
    person(
        "Chloe Martin",
        "chloe",
        "Head of People",
        "People",
        "daniel",
        LISBON,
    ),
    person("Ravi Patel", "ravi", "Recruiter", "People", "chloe", REMOTE),
    person(
        "Elena Popescu",
        "elena",
        "Product Manager",
        "Product",
        "daniel",
        BERLIN,
    ),
    person(
        "Hugo Laurent",
        "hugo",
        "Product Manager",
        "Product",
        "elena",
        LISBON,
    ),
    person(
        "Isabel Souza",
        "isabel",
        "Head of Sales",
        "Sales",
        "daniel",
        NEW_YORK,
    ),
    person(
        "Kwame Mensah",
        "kwame",
        "Account Executive",
        "Sales",
        "isabel",
        NEW_YORK,
    ),
    person(
        "Sofia Rossi",
        "sofia",
        "Account Executive",
        "Sales",
        "isabel",
        BERLIN,
    ),
    person(
        "Mark Jensen",
        "mark",
        "Solutions Engineer",
        "Sales",
        "isabel",
        NEW_YORK,
    ),
    person(
        "Yuki Sato",
        "yuki",
        "Customer Success Lead",
        "Customer Success",
        "isabel",
        REMOTE,
    ),
    person(
        "Ahmed Ali",
        "ahmed",
        "Support Engineer",
        "Customer Success",
        "yuki",
        LISBON,
    ),
    person(
        "Hannah Novak",
        "hannah",
        "Support Engineer",
        "Customer Success",
        "yuki",
        BERLIN,
    ),
    person(
        "Leo Schmidt",
        "leo",
        "Marketing Lead",
        "Marketing",
        "daniel",
        BERLIN,
    ),
    person(
        "Mia Johansson",
        "mia",
        "Content Writer",
        "Marketing",
        "leo",
        REMOTE,
    ),
    person(
        "Noah Williams",
        "noah",
        "Office Manager",
        "Operations",
        "fatima",
        BERLIN,
    ),
    person(
        "Zara Ahmed",
        "zara",
        "Legal Counsel",
        "Legal",
        "daniel",
        NEW_YORK,
    ),
    person(
        "Oliver Brown",
        "oliver",
        "IT Administrator",
        "Operations",
        "noah",
        LISBON,
    ),
];

/// The customer's people, invited by Yuki into the beta group: `<handle>@acme.example`.
pub const GUESTS: &[(&str, &str)] = &[("Rita Gomez", "rita"), ("Paul Meyer", "paul")];
/// The guests' company's domain.
pub const GUEST_DOMAIN: &str = "acme.example";

/// A group of the demo company.
pub struct Venue {
    pub name: &'static str,
    pub description: &'static str,
    pub visibility: Visibility,
    pub allow_guests: bool,
    /// Only the owner posts; members comment.
    pub broadcast: bool,
    pub owner: &'static str,
    pub members: &'static [&'static str],
}

pub const ANNOUNCEMENTS: &str = "Announcements";
pub const BETA: &str = "Acme Corp — Beta Program";

pub const GROUPS: &[Venue] = &[
    Venue {
        name: ANNOUNCEMENTS,
        description: "Company-wide news from the leadership team.",
        visibility: Visibility::Public,
        allow_guests: false,
        broadcast: true,
        owner: "daniel",
        members: &["maya", "fatima", "chloe", "isabel", "grace", "leo", "noah"],
    },
    Venue {
        name: "Engineering",
        description: "How we build, run and secure the product.",
        visibility: Visibility::Public,
        allow_guests: false,
        broadcast: false,
        owner: "maya",
        members: &[
            "omar", "lena", "tomas", "priya", "jonas", "aiko", "sam", "elena", "hugo",
        ],
    },
    Venue {
        name: "Design Critique",
        description: "Share work in progress and get feedback.",
        visibility: Visibility::Public,
        allow_guests: false,
        broadcast: false,
        owner: "grace",
        members: &["luca", "nora", "tomas", "elena", "hugo"],
    },
    Venue {
        name: "Coffee & Chat",
        description: "Everything that is not work.",
        visibility: Visibility::Public,
        allow_guests: false,
        broadcast: false,
        owner: "noah",
        members: &[
            "mia", "leo", "ravi", "hannah", "jonas", "sofia", "lena", "ahmed", "oliver",
        ],
    },
    Venue {
        name: "Leadership Team",
        description: "Planning and decisions of the leadership team.",
        visibility: Visibility::Private,
        allow_guests: false,
        broadcast: false,
        owner: "daniel",
        members: &["maya", "fatima", "chloe", "isabel", "grace", "elena", "leo"],
    },
    Venue {
        name: "Project Falcon",
        description: "Confidential: evaluation of a possible acquisition.",
        visibility: Visibility::Secret,
        allow_guests: false,
        broadcast: false,
        owner: "fatima",
        members: &["daniel", "zara", "ben"],
    },
    Venue {
        name: BETA,
        description: "Working with Acme's team on the beta of our new reporting.",
        visibility: Visibility::Private,
        allow_guests: true,
        broadcast: false,
        owner: "yuki",
        members: &["elena", "ahmed", "kwame", "omar", "aiko"],
    },
];

/// Who follows whom, beyond the groups they share.
pub const FOLLOWS: &[(&str, &str)] = &[
    ("omar", "maya"),
    ("lena", "priya"),
    ("elena", "aiko"),
    ("kwame", "isabel"),
    ("mia", "leo"),
    ("maya", "daniel"),
    ("tomas", "grace"),
    ("hugo", "elena"),
    ("sofia", "kwame"),
    ("ahmed", "yuki"),
];

/// Tags every employee follows, and tags some follow by interest.
pub const TAG_FOLLOWS: &[(&str, &str)] = &[
    ("maya", "launch"),
    ("elena", "reporting"),
    ("sam", "security"),
    ("priya", "incident"),
    ("chloe", "hiring"),
    ("leo", "marketing"),
];
pub const EVERYONE_FOLLOWS: &str = "announcements";
