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

CREATE TRIGGER memberships_access_insert AFTER INSERT ON memberships BEGIN
    UPDATE users SET access_version = access_version + 1 WHERE id = NEW.user_id;
END;
CREATE TRIGGER memberships_access_update AFTER UPDATE ON memberships BEGIN
    UPDATE users SET access_version = access_version + 1 WHERE id IN (OLD.user_id, NEW.user_id);
END;
CREATE TRIGGER memberships_access_delete AFTER DELETE ON memberships BEGIN
    UPDATE users SET access_version = access_version + 1 WHERE id = OLD.user_id;
END;

CREATE TRIGGER user_follows_access_insert AFTER INSERT ON user_follows BEGIN
    UPDATE users SET access_version = access_version + 1 WHERE id = NEW.follower_id;
END;
CREATE TRIGGER user_follows_access_update AFTER UPDATE ON user_follows BEGIN
    UPDATE users SET access_version = access_version + 1 WHERE id IN (OLD.follower_id, NEW.follower_id);
END;
CREATE TRIGGER user_follows_access_delete AFTER DELETE ON user_follows BEGIN
    UPDATE users SET access_version = access_version + 1 WHERE id = OLD.follower_id;
END;

CREATE TRIGGER tag_follows_access_insert AFTER INSERT ON tag_follows BEGIN
    UPDATE users SET access_version = access_version + 1 WHERE id = NEW.user_id;
END;
CREATE TRIGGER tag_follows_access_update AFTER UPDATE ON tag_follows BEGIN
    UPDATE users SET access_version = access_version + 1 WHERE id IN (OLD.user_id, NEW.user_id);
END;
CREATE TRIGGER tag_follows_access_delete AFTER DELETE ON tag_follows BEGIN
    UPDATE users SET access_version = access_version + 1 WHERE id = OLD.user_id;
END;

CREATE TRIGGER groups_access_created AFTER INSERT ON groups BEGIN
    INSERT INTO access_epoch (id, value) VALUES (1, 1)
        ON CONFLICT (id) DO UPDATE SET value = value + 1;
END;

CREATE TRIGGER groups_access_deleted AFTER DELETE ON groups BEGIN
    INSERT INTO access_epoch (id, value) VALUES (1, 1)
        ON CONFLICT (id) DO UPDATE SET value = value + 1;
END;

CREATE TRIGGER groups_access_visibility AFTER UPDATE OF visibility ON groups
WHEN OLD.visibility IS NOT NEW.visibility BEGIN
    INSERT INTO access_epoch (id, value) VALUES (1, 1)
        ON CONFLICT (id) DO UPDATE SET value = value + 1;
END;

-- Guests: who they are, and the groups they are in (an employee's circle: docs/guests.md).
CREATE TRIGGER memberships_access_guest_insert AFTER INSERT ON memberships
WHEN (SELECT kind FROM users WHERE id = NEW.user_id) = 'guest' BEGIN
    INSERT INTO access_epoch (id, value) VALUES (1, 1)
        ON CONFLICT (id) DO UPDATE SET value = value + 1;
END;
CREATE TRIGGER memberships_access_guest_update AFTER UPDATE ON memberships
WHEN 'guest' IN (SELECT kind FROM users WHERE id IN (OLD.user_id, NEW.user_id)) BEGIN
    INSERT INTO access_epoch (id, value) VALUES (1, 1)
        ON CONFLICT (id) DO UPDATE SET value = value + 1;
END;
CREATE TRIGGER memberships_access_guest_delete AFTER DELETE ON memberships
WHEN (SELECT kind FROM users WHERE id = OLD.user_id) = 'guest' BEGIN
    INSERT INTO access_epoch (id, value) VALUES (1, 1)
        ON CONFLICT (id) DO UPDATE SET value = value + 1;
END;
CREATE TRIGGER users_access_guest_created AFTER INSERT ON users
WHEN NEW.kind = 'guest' BEGIN
    INSERT INTO access_epoch (id, value) VALUES (1, 1)
        ON CONFLICT (id) DO UPDATE SET value = value + 1;
END;
CREATE TRIGGER users_access_guest_changed AFTER UPDATE OF kind ON users
WHEN OLD.kind IS NOT NEW.kind AND 'guest' IN (OLD.kind, NEW.kind) BEGIN
    INSERT INTO access_epoch (id, value) VALUES (1, 1)
        ON CONFLICT (id) DO UPDATE SET value = value + 1;
END;
CREATE TRIGGER users_access_guest_deleted AFTER DELETE ON users
WHEN OLD.kind = 'guest' BEGIN
    INSERT INTO access_epoch (id, value) VALUES (1, 1)
        ON CONFLICT (id) DO UPDATE SET value = value + 1;
END;
