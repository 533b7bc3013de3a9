-- What a viewer's scope, circle and home feed are built from (her memberships and follows,
-- which groups are public, who the guests are and which groups they are in) changes only
-- through these tables, and every change bumps a stamp in the same transaction: the user's
-- `access_version`, or the one `access_epoch` for what many viewers share. A process may then remember what it read for as long as the stamp it reads with
-- the request's credential is unchanged (src/access/remembered.rs).
ALTER TABLE users ADD COLUMN access_version BIGINT NOT NULL DEFAULT 0;
CREATE TABLE access_epoch (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    value BIGINT NOT NULL
);

-- TG_ARGV[0] names the column holding the user whose view changed.
CREATE FUNCTION access_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE users SET access_version = access_version + 1
            WHERE id = (to_jsonb(OLD) ->> TG_ARGV[0])::BIGINT;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        UPDATE users SET access_version = access_version + 1
            WHERE id = (to_jsonb(NEW) ->> TG_ARGV[0])::BIGINT;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER memberships_access AFTER INSERT OR UPDATE OR DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION access_version_bump('user_id');
CREATE TRIGGER user_follows_access AFTER INSERT OR UPDATE OR DELETE ON user_follows
    FOR EACH ROW EXECUTE FUNCTION access_version_bump('follower_id');
CREATE TRIGGER tag_follows_access AFTER INSERT OR UPDATE OR DELETE ON tag_follows
    FOR EACH ROW EXECUTE FUNCTION access_version_bump('user_id');

CREATE FUNCTION access_epoch_bump_now() RETURNS void LANGUAGE sql AS $$
    INSERT INTO access_epoch (id, value) VALUES (1, 1)
        ON CONFLICT (id) DO UPDATE SET value = access_epoch.value + 1;
$$;
CREATE FUNCTION access_epoch_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM access_epoch_bump_now();
    RETURN NULL;
END
$$;
CREATE TRIGGER groups_access_created AFTER INSERT OR DELETE ON groups
    FOR EACH STATEMENT EXECUTE FUNCTION access_epoch_bump();
CREATE TRIGGER groups_access_visibility AFTER UPDATE OF visibility ON groups
    FOR EACH ROW WHEN (OLD.visibility IS DISTINCT FROM NEW.visibility)
    EXECUTE FUNCTION access_epoch_bump();

-- Guests: who they are, and the groups they are in (an employee's circle: docs/guests.md).
CREATE FUNCTION access_epoch_bump_for_guests() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_OP <> 'DELETE' AND EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id AND kind = 'guest'))
        OR (TG_OP <> 'INSERT' AND EXISTS (SELECT 1 FROM users WHERE id = OLD.user_id AND kind = 'guest'))
    THEN
        PERFORM access_epoch_bump_now();
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER memberships_access_guests AFTER INSERT OR UPDATE OR DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION access_epoch_bump_for_guests();
CREATE TRIGGER users_access_guest_created AFTER INSERT ON users
    FOR EACH ROW WHEN (NEW.kind = 'guest') EXECUTE FUNCTION access_epoch_bump();
CREATE TRIGGER users_access_guest_changed AFTER UPDATE OF kind ON users
    FOR EACH ROW WHEN (OLD.kind IS DISTINCT FROM NEW.kind AND 'guest' IN (OLD.kind, NEW.kind))
    EXECUTE FUNCTION access_epoch_bump();
CREATE TRIGGER users_access_guest_deleted AFTER DELETE ON users
    FOR EACH ROW WHEN (OLD.kind = 'guest') EXECUTE FUNCTION access_epoch_bump();
