//! The one diesel schema for both backends: portable types only (`Timestamp` is UTC).

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        handle -> Text,
        name -> Text,
        title -> Text,
        department -> Text,
        bio -> Text,
        kind -> Text,
        password_hash -> Text,
        digest -> Text,
        created_at -> Timestamp,
        deactivated_at -> Nullable<Timestamp>,
        manager_id -> Nullable<BigInt>,
        location -> Text,
        phone -> Text,
        pronouns -> Text,
        time_zone -> Text,
        photo_id -> Nullable<BigInt>,
        deleted_at -> Nullable<Timestamp>,
        access_version -> BigInt,
    }
}

diesel::table! {
    access_epoch (id) {
        id -> Integer,
        value -> BigInt,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        user_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        user_agent -> Text,
        ip -> Text,
        last_seen_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sign_in_links (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        user_agent -> Text,
        ip -> Text,
        last_seen_at -> Nullable<Timestamp>,
        can_read -> Bool,
        can_write -> Bool,
        group_limited -> Bool,
        expires_at -> Nullable<Timestamp>,
        name -> Text,
    }
}

diesel::table! {
    api_token_groups (token_id, group_id) {
        token_id -> BigInt,
        group_id -> BigInt,
    }
}

diesel::table! {
    incoming_webhooks (id) {
        id -> BigInt,
        group_id -> BigInt,
        bot_id -> BigInt,
        name -> Text,
        secret_hash -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    event_inbox (seq) {
        seq -> BigInt,
        kind -> Text,
        actor_id -> Nullable<BigInt>,
        subject_id -> Nullable<BigInt>,
        payload -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        kind -> Text,
        actor_id -> Nullable<BigInt>,
        subject_id -> Nullable<BigInt>,
        payload -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    event_cursors (consumer) {
        consumer -> Text,
        last_event_id -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sso_identities (issuer, subject) {
        issuer -> Text,
        subject -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sso_sessions (session_id) {
        session_id -> BigInt,
        sid -> Nullable<Text>,
        id_token -> Text,
    }
}

diesel::table! {
    sso_logout_tokens (jti) {
        jti -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    scim_tokens (id) {
        id -> BigInt,
        name -> Text,
        token_hash -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    directory_entries (user_id) {
        user_id -> BigInt,
        external_id -> Nullable<Text>,
        employee_number -> Text,
        provisioned_at -> Timestamp,
        removed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    directory_groups (group_id) {
        group_id -> BigInt,
        external_id -> Nullable<Text>,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(directory_entries -> users (user_id));
diesel::joinable!(sso_identities -> users (user_id));
diesel::joinable!(sso_sessions -> sessions (session_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(sign_in_links -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(
    users,
    sessions,
    api_tokens,
    sign_in_links,
    sso_identities,
    sso_sessions,
    directory_entries,
    scim_tokens,
    events,
    event_cursors
);

diesel::table! {
    groups (id) {
        id -> BigInt,
        name -> Text,
        name_key -> Text,
        description -> Text,
        visibility -> Text,
        allow_guests -> Bool,
        member_count -> BigInt,
        created_by -> BigInt,
        created_at -> Timestamp,
        archived_at -> Nullable<Timestamp>,
        broadcast -> Bool,
        members_comment -> Bool,
    }
}

diesel::table! {
    memberships (group_id, user_id) {
        group_id -> BigInt,
        user_id -> BigInt,
        role -> Text,
        created_at -> Timestamp,
        email_frequency -> Text,
    }
}

diesel::table! {
    join_requests (group_id, user_id) {
        group_id -> BigInt,
        user_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    posts (id) {
        id -> BigInt,
        author_id -> BigInt,
        group_id -> Nullable<BigInt>,
        body -> Text,
        html -> Text,
        links -> Text,
        like_count -> BigInt,
        comment_count -> BigInt,
        open_comment_count -> BigInt,
        created_at -> Timestamp,
        edited_at -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
        deleted_by -> Nullable<BigInt>,
        quiet -> Bool,
        employees_only -> Bool,
        edited_by -> Nullable<BigInt>,
        question -> Bool,
        best_answer_id -> Nullable<BigInt>,
        activity_at -> Timestamp,
        open_activity_at -> Timestamp,
        shared_post_id -> Nullable<BigInt>,
        share_count -> BigInt,
        via -> Nullable<Text>,
        hidden_reason -> Nullable<Text>,
    }
}

diesel::table! {
    link_previews (url) {
        url -> Text,
        state -> Text,
        title -> Nullable<Text>,
        description -> Nullable<Text>,
        site_name -> Nullable<Text>,
        canonical_url -> Nullable<Text>,
        image_sha256 -> Nullable<Text>,
        image_width -> Nullable<Integer>,
        image_height -> Nullable<Integer>,
        attempts -> Integer,
        due_at -> Nullable<Timestamp>,
        fetched_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    link_uses (post_id, comment_id, url) {
        post_id -> BigInt,
        comment_id -> BigInt,
        url -> Text,
        position -> Integer,
        removed -> Bool,
    }
}

diesel::table! {
    backlinks (post_id, comment_id, target) {
        post_id -> BigInt,
        comment_id -> BigInt,
        target -> Text,
    }
}

diesel::table! {
    post_versions (id) {
        id -> BigInt,
        post_id -> BigInt,
        body -> Text,
        created_at -> Timestamp,
        edited_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    comments (id) {
        id -> BigInt,
        post_id -> BigInt,
        author_id -> BigInt,
        body -> Text,
        html -> Text,
        like_count -> BigInt,
        created_at -> Timestamp,
        edited_at -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
        deleted_by -> Nullable<BigInt>,
        employees_only -> Bool,
        edited_by -> Nullable<BigInt>,
        links -> Text,
        hidden_reason -> Nullable<Text>,
    }
}

diesel::table! {
    comment_versions (id) {
        id -> BigInt,
        comment_id -> BigInt,
        body -> Text,
        created_at -> Timestamp,
        edited_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    post_likes (post_id, user_id) {
        post_id -> BigInt,
        user_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    comment_likes (comment_id, user_id) {
        comment_id -> BigInt,
        user_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tags (id) {
        id -> BigInt,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    post_tags (tag_id, post_id, comment_id) {
        tag_id -> BigInt,
        post_id -> BigInt,
        comment_id -> BigInt,
        group_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    mentions (post_id, comment_id, user_id) {
        post_id -> BigInt,
        comment_id -> BigInt,
        user_id -> BigInt,
    }
}

diesel::table! {
    user_follows (follower_id, followee_id) {
        follower_id -> BigInt,
        followee_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tag_follows (user_id, tag_id) {
        user_id -> BigInt,
        tag_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    guests (user_id) {
        user_id -> BigInt,
        sponsor_id -> BigInt,
        expires_at -> Timestamp,
        needs_review -> Bool,
        reminded_at -> Nullable<Timestamp>,
        last_seen_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    invitations (id) {
        id -> BigInt,
        group_id -> BigInt,
        email -> Text,
        name -> Text,
        invited_by -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
        accepted_by -> Nullable<BigInt>,
        cancelled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhooks (id) {
        id -> BigInt,
        owner_id -> BigInt,
        group_id -> Nullable<BigInt>,
        url -> Text,
        event_types -> Text,
        description -> Text,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        failures -> Integer,
        disabled_at -> Nullable<Timestamp>,
        disabled_reason -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> BigInt,
        webhook_id -> BigInt,
        outbox_id -> BigInt,
        event_id -> BigInt,
        event_type -> Text,
        message_id -> Text,
        attempted_at -> Timestamp,
        outcome -> Text,
        status -> Nullable<Integer>,
        latency_ms -> Integer,
        response -> Text,
    }
}

diesel::joinable!(webhook_attempts -> webhooks (webhook_id));
diesel::allow_tables_to_appear_in_same_query!(webhooks, webhook_attempts);

diesel::table! {
    outbox (id) {
        id -> BigInt,
        kind -> Text,
        payload -> Text,
        group_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        dead_at -> Nullable<Timestamp>,
        last_error -> Text,
    }
}

diesel::table! {
    seen_posts (user_id, post_id, how) {
        user_id -> BigInt,
        post_id -> BigInt,
        how -> Text,
        seen_at -> Timestamp,
    }
}

diesel::table! {
    feed_tokens (user_id) {
        user_id -> BigInt,
        generation -> BigInt,
        active -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        group_key -> Text,
        actor_id -> BigInt,
        actors -> Text,
        actor_count -> Integer,
        post_id -> Nullable<BigInt>,
        comment_id -> Nullable<BigInt>,
        group_id -> Nullable<BigInt>,
        last_event_id -> BigInt,
        read_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    notification_settings (user_id, kind) {
        user_id -> BigInt,
        kind -> Text,
        delivery -> Text,
    }
}

diesel::table! {
    thread_mutes (post_id, user_id) {
        user_id -> BigInt,
        post_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    digests (user_id, period, period_key) {
        user_id -> BigInt,
        period -> Text,
        period_key -> Text,
        post_count -> Integer,
        more_count -> Integer,
        mail_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    bookmarks (id) {
        id -> BigInt,
        user_id -> BigInt,
        post_id -> BigInt,
        comment_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    blobs (sha256) {
        sha256 -> Text,
        size -> BigInt,
        content_type -> Text,
        width -> Nullable<Integer>,
        height -> Nullable<Integer>,
        rendition_type -> Nullable<Text>,
        text -> Nullable<Text>,
        touched_at -> Timestamp,
    }
}

diesel::table! {
    attachments (id) {
        id -> BigInt,
        blob -> Text,
        uploader_id -> BigInt,
        post_id -> Nullable<BigInt>,
        comment_id -> Nullable<BigInt>,
        name -> Text,
        alt -> Text,
        position -> Integer,
        created_at -> Timestamp,
        gone_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    polls (post_id) {
        post_id -> BigInt,
        multiple -> Bool,
        anonymous -> Bool,
        results_after -> Text,
        closes_at -> Nullable<Timestamp>,
        voter_count -> BigInt,
        closed_told -> Bool,
    }
}

diesel::table! {
    poll_options (id) {
        id -> BigInt,
        post_id -> BigInt,
        position -> Integer,
        label -> Text,
        vote_count -> BigInt,
    }
}

diesel::table! {
    poll_votes (option_id, user_id) {
        option_id -> BigInt,
        user_id -> BigInt,
        post_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    announcements (post_id) {
        post_id -> BigInt,
        group_id -> Nullable<BigInt>,
        must_read -> Bool,
        ends_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    announcement_reads (post_id, user_id) {
        post_id -> BigInt,
        user_id -> BigInt,
        read_at -> Timestamp,
    }
}

diesel::joinable!(feed_tokens -> users (user_id));
diesel::joinable!(attachments -> blobs (blob));
diesel::joinable!(memberships -> groups (group_id));
diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(join_requests -> groups (group_id));
diesel::joinable!(posts -> users (author_id));
diesel::joinable!(posts -> groups (group_id));
diesel::joinable!(comments -> posts (post_id));
diesel::joinable!(post_tags -> tags (tag_id));
diesel::joinable!(post_tags -> posts (post_id));
diesel::joinable!(tag_follows -> tags (tag_id));
diesel::joinable!(directory_groups -> groups (group_id));
diesel::allow_tables_to_appear_in_same_query!(
    users,
    groups,
    directory_groups,
    memberships,
    join_requests,
    posts,
    backlinks,
    link_previews,
    link_uses,
    post_versions,
    comments,
    comment_versions,
    post_likes,
    comment_likes,
    bookmarks,
    blobs,
    attachments,
    announcements,
    announcement_reads,
    polls,
    poll_options,
    poll_votes,
    tags,
    post_tags,
    mentions,
    user_follows,
    tag_follows,
    guests,
    invitations,
    seen_posts,
    feed_tokens,
    notifications,
    notification_settings,
    thread_mutes,
    digests,
);

diesel::table! {
    user_exports (id) {
        id -> BigInt,
        user_id -> BigInt,
        state -> Text,
        requested_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        lease_until -> Nullable<Timestamp>,
        attempts -> Integer,
        finished_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
        size -> Nullable<BigInt>,
        storage_key -> Nullable<Text>,
        error -> Text,
    }
}

diesel::table! {
    recommendation_dismissals (user_id, kind, target_id) {
        user_id -> BigInt,
        kind -> Text,
        target_id -> BigInt,
        created_at -> Timestamp,
    }
}

// Recommendations read their candidates beside the dismissals, each pair on its own (the
// groups above already allow each other).
diesel::joinable!(recommendation_dismissals -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(recommendation_dismissals, users);
diesel::allow_tables_to_appear_in_same_query!(recommendation_dismissals, memberships);
diesel::allow_tables_to_appear_in_same_query!(recommendation_dismissals, user_follows);
diesel::allow_tables_to_appear_in_same_query!(recommendation_dismissals, posts);
diesel::allow_tables_to_appear_in_same_query!(recommendation_dismissals, post_tags);
diesel::allow_tables_to_appear_in_same_query!(recommendation_dismissals, tags);
diesel::allow_tables_to_appear_in_same_query!(recommendation_dismissals, groups);

diesel::table! {
    reports (id) {
        id -> BigInt,
        post_id -> BigInt,
        comment_id -> Nullable<BigInt>,
        group_id -> Nullable<BigInt>,
        author_id -> BigInt,
        reporter_id -> BigInt,
        reason -> Text,
        note -> Text,
        created_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
        resolved_by -> Nullable<BigInt>,
        outcome -> Nullable<Text>,
        sanction -> Nullable<Text>,
        message -> Nullable<Text>,
    }
}

diesel::joinable!(reports -> posts (post_id));
diesel::allow_tables_to_appear_in_same_query!(reports, posts);
diesel::allow_tables_to_appear_in_same_query!(reports, comments);
diesel::allow_tables_to_appear_in_same_query!(reports, users);

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        action -> Text,
        subject -> Text,
        ip -> Text,
        user_agent -> Text,
        detail -> Text,
    }
}

diesel::table! {
    node_leases (node) {
        node -> Integer,
        holder -> Text,
        expires_at -> Timestamp,
    }
}
diesel::allow_tables_to_appear_in_same_query!(access_epoch, sessions);
diesel::allow_tables_to_appear_in_same_query!(access_epoch, api_tokens);
diesel::allow_tables_to_appear_in_same_query!(access_epoch, users);
