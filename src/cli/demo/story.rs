//! What the demo company writes: lines per place, with blanks the history fills in
//! (`{who}`: a colleague's @handle, `{what}` and `{tag}`: a subject of the place, `{n}`: a
//! number), and a few hand-written threads that anchor the story.

use super::cast::{self, BETA};

/// Where a post goes: a group by name, or the company feed.
pub const COMPANY: &str = "";

/// What people of one place post and answer.
pub struct Talk {
    pub venue: &'static str,
    /// Posts on an ordinary day; how many of a day's posts land here, in relative weight.
    pub weight: u32,
    pub subjects: &'static [(&'static str, &'static str)],
    pub posts: &'static [&'static str],
    pub replies: &'static [&'static str],
}

pub const TALK: &[Talk] = &[
    Talk {
        venue: "Engineering",
        weight: 30,
        subjects: &[
            ("the billing service", "billing"),
            ("search indexing", "search"),
            ("the mobile app", "mobile"),
            ("our CI pipeline", "ci"),
            ("the reporting pipeline", "reporting"),
            ("the public API", "api"),
            ("the staging cluster", "infrastructure"),
        ],
        posts: &[
            "Design doc for {what} is ready for review. Comments by Thursday, please. #{tag}",
            "We shipped a fix for a slow query in {what}; p95 latency is down {n}%. #{tag}",
            "Heads-up: {what} gets a maintenance window tonight at 21:00 UTC. #{tag}",
            "{who} and I paired on {what} today and found the flaky test. #{tag} #testing",
            "Retro notes for {what} are in the wiki. Top action: smaller pull requests. #{tag}",
            "Who knows {what} well? {who} and I have a question about its retry logic. #{tag}",
            "Dependency upgrades for {what} are merged; {n} crates bumped, no surprises. #{tag}",
            "On-call summary: two pages this week, both from {what}. Runbook updated. #{tag} #oncall",
        ],
        replies: &[
            "Thanks, reviewing it this afternoon.",
            "Nice work! Can we add a dashboard for it?",
            "+1, this was overdue.",
            "I left a few comments in the doc.",
            "Let's pick this up at Thursday's sync.",
            "Does this change the on-call runbook?",
            "Great find. Was it the connection pool again?",
        ],
    },
    Talk {
        venue: COMPANY,
        weight: 18,
        subjects: &[
            ("the all-hands", "allhands"),
            ("the office move", "office"),
            ("our customer survey", "customers"),
            ("the summer party", "events"),
            ("the learning budget", "learning"),
        ],
        posts: &[
            "Slides and recording from {what} are up on the intranet. #{tag}",
            "#kudos to {who} for stepping in on a tough customer call this week.",
            "Quick reminder about {what}: details and dates in the wiki. #{tag}",
            "Welcome to our {n} new colleagues who started on Monday! Say hi. #welcome",
            "Results of {what} are in: {n}% would recommend us to a friend. #{tag}",
            "Thank you {who} for organising {what}! #{tag}",
        ],
        replies: &[
            "Thanks for sharing!",
            "Great news.",
            "Welcome aboard!",
            "Well deserved!",
            "Is there a recording for the other time zones?",
            "Love this.",
        ],
    },
    Talk {
        venue: "Design Critique",
        weight: 10,
        subjects: &[
            ("the onboarding flow", "onboarding"),
            ("the settings page", "settings"),
            ("the dashboard charts", "reporting"),
            ("the mobile navigation", "mobile"),
            ("our icon set", "design"),
        ],
        posts: &[
            "New mockups for {what}, feedback welcome before Friday. #{tag} #design",
            "Usability test results for {what}: {n} of 5 participants finished without help. #{tag} #research",
            "{who}, could you check the contrast of {what} against the accessibility guide? #{tag} #a11y",
            "Two options for {what}: dense or spacious. Vote in the comments! #{tag}",
        ],
        replies: &[
            "Option two reads better to me.",
            "The spacing feels much calmer now.",
            "Could we try it with real customer data?",
            "Users in testing asked for a clearer next step.",
            "Love the illustrations, maybe lighter copy?",
        ],
    },
    Talk {
        venue: "Coffee & Chat",
        weight: 12,
        subjects: &[
            ("the running group", "running"),
            ("the book club", "books"),
            ("Friday lunch", "food"),
            ("the office plants", "office"),
            ("board games night", "games"),
        ],
        posts: &[
            "Who's in for {what} this week? #{tag}",
            "Photos from {what} are in the shared album. #{tag}",
            "{who} suggested a new spot for {what}. Thoughts? #{tag}",
            "Reminder: {what} is on Thursday at 18:00. #{tag}",
        ],
        replies: &[
            "Count me in!",
            "Sounds great.",
            "Next time for sure.",
            "Bringing snacks.",
        ],
    },
    Talk {
        venue: "Leadership Team",
        weight: 5,
        subjects: &[
            ("the quarterly plan", "planning"),
            ("the hiring plan", "hiring"),
            ("the budget review", "budget"),
            ("the board meeting", "board"),
        ],
        posts: &[
            "Draft of {what} is in the folder. {who}, can you own the numbers? #{tag}",
            "Weekly metrics: revenue {n}% above plan, churn flat. Notes for {what} below. #metrics #{tag}",
            "Agenda for {what}: priorities, risks, asks. Add yours by Wednesday. #{tag}",
        ],
        replies: &[
            "On it.",
            "Added my section.",
            "Let's discuss on Monday.",
            "Agreed.",
        ],
    },
    Talk {
        venue: "Project Falcon",
        weight: 2,
        subjects: &[
            ("the data room", "falcon"),
            ("the valuation model", "falcon"),
        ],
        posts: &[
            "Update on {what}: {n} documents reviewed. Please keep all discussion here. #{tag}",
            "{who}, the questions list for {what} needs your sign-off. #{tag}",
        ],
        replies: &[
            "Reviewed.",
            "NDA tracker updated.",
            "Two open questions left.",
        ],
    },
    Talk {
        venue: BETA,
        weight: 12,
        subjects: &[
            ("scheduled exports", "reporting"),
            ("the SSO setup", "sso"),
            ("the new chart types", "reporting"),
            ("the CSV import", "beta"),
        ],
        posts: &[
            "Beta build {n} is out: {what} is ready to try. #beta #{tag}",
            "We tried {what} with our finance team; mostly smooth, one question below. #beta",
            "Feedback on {what}: the defaults work for us, but we need a weekly option. #beta #{tag}",
            "{who}, notes from today's call about {what} are attached here. #beta",
        ],
        replies: &[
            "Thanks, we'll look into it this sprint.",
            "That matches what we saw in testing.",
            "Could you share a screenshot?",
            "Fixed in the next build.",
            "Works for us now, thanks!",
        ],
    },
];

/// The launch of the new reporting: talked about more and more towards the end.
pub const LAUNCH_POSTS: &[&str] = &[
    "{n} days until the #launch of the new reporting. Checklist is in the wiki.",
    "Launch readiness review done: {n} items left, none blocking. #launch #reporting",
    "Marketing page for the #launch is live in staging. {who}, can you proofread?",
    "Support macros for the #launch are ready; {n} new help articles. #reporting",
];

/// The announcements the chief executive posts, about once a fortnight.
pub const NEWS: &[&str] = &[
    "Our Q{n} results are in: thank you all for a strong quarter. Details at Thursday's #allhands.",
    "Please welcome {who} as our new lead for the reporting #launch. #announcements",
    "The office will be closed on Friday for the company day. Enjoy! #announcements",
    "New travel policy: book through the portal from next month. Questions to Finance. #announcements",
];

/// Lines an author adds when she edits a post.
pub const EDITS: &[&str] = &[
    "Edit: added the link to the notes.",
    "Edit: fixed the date.",
    "Update: this is now done.",
];

/// A hand-written thread: (days ago, author, venue, body, (commenter, comment)s, likers).
pub type Thread = (
    i64,
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static [&'static str],
);

pub const THREADS: &[Thread] = &[
    (
        89,
        "daniel",
        cast::ANNOUNCEMENTS,
        "Welcome to **Agora**, our new home for company news and conversations. Follow #announcements and join the groups that matter to you.",
        &[
            ("chloe", "Great to have everything in one place!"),
            ("maya", "Engineering is already moving its updates here."),
        ],
        &["chloe", "maya", "grace", "fatima", "noah", "mia"],
    ),
    (
        12,
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
        9,
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
        7,
        "lena",
        "Engineering",
        "Tip: `cargo nextest` cut our test time in half. #rust #productivity",
        &[("jonas", "Trying it on the mobile backend today.")],
        &["jonas", "tomas"],
    ),
    (
        6,
        "yuki",
        BETA,
        "Kick-off notes with Acme: they need scheduled exports and SSO for the #reporting beta.",
        &[
            ("elena", "Scheduled exports are in sprint 14."),
            ("rita", "SSO is our must-have; exports can follow."),
            ("omar", "SSO works with their IdP in staging."),
        ],
        &["elena", "kwame", "paul"],
    ),
    (
        5,
        "daniel",
        "Leadership Team",
        "Draft agenda for the offsite: #hiring plan, #budget review, customer council. @fatima can you own the budget session?",
        &[("fatima", "Yes, I'll circulate numbers Wednesday.")],
        &["fatima", "chloe"],
    ),
    (
        4,
        "fatima",
        "Project Falcon",
        "Diligence data room is open. Please keep all discussion in this group. #falcon",
        &[("zara", "NDA tracker added to the room.")],
        &["daniel", "zara"],
    ),
    (
        3,
        "isabel",
        COMPANY,
        "We closed three new customers this week! Thank you @kwame, @sofia and @mark. #sales #wins",
        &[
            ("daniel", "Fantastic work, team."),
            ("yuki", "Onboarding calls are booked."),
        ],
        &["daniel", "kwame", "sofia", "mark", "yuki", "leo"],
    ),
    (
        2,
        "chloe",
        COMPANY,
        "Open enrollment for benefits ends on the 30th. Questions? Ask here or message me. #benefits #people",
        &[
            ("ben", "Is the dental plan changing?"),
            ("chloe", "@ben no changes this year."),
        ],
        &["ben", "noah"],
    ),
    (
        1,
        "ravi",
        COMPANY,
        "We are #hiring: two backend engineers and a product designer. Referrals welcome!",
        &[("maya", "Shared with my network.")],
        &["maya", "grace", "chloe"],
    ),
    (
        1,
        "aiko",
        "Engineering",
        "The new #reporting pipeline processes yesterday's data in 12 minutes instead of 2 hours. #launch",
        &[
            ("elena", "Huge for the Acme beta!"),
            ("maya", "Nice work @aiko."),
        ],
        &["elena", "maya", "omar", "yuki"],
    ),
    (
        0,
        "sam",
        "Engineering",
        "Reminder: rotate your API keys before the end of the month. #security",
        &[],
        &["priya", "oliver"],
    ),
];
