-- Recommendations a person dismissed: never suggested to her again. `kind` is `person`,
-- `group` or `tag`; `target_id` the user's, group's or tag's id. Private to her: no event.
CREATE TABLE recommendation_dismissals (
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    target_id BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, kind, target_id)
);
-- "Same department": colleagues by department, newest accounts first.
CREATE INDEX users_department ON users (department, id);
