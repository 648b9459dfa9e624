-- Service and admin accounts hold no wallet (domain/roles.py). Every process keeps their ids in
-- memory (infra/roles.py), read through this index: a handful of rows however many players.
CREATE INDEX credentials_privileged_idx ON credentials (player_id) WHERE role <> 'player';

-- A role given or changed wakes every process's copy at once (the poll is the backstop).
-- Signups of players do not notify: a notifying transaction serialises its commit.
CREATE FUNCTION credentials_notify_roles() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gameledger_roles', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER credentials_role_given AFTER INSERT ON credentials
    FOR EACH ROW WHEN (NEW.role <> 'player') EXECUTE FUNCTION credentials_notify_roles();

CREATE TRIGGER credentials_role_changed AFTER UPDATE OF role ON credentials
    FOR EACH ROW WHEN (OLD.role IS DISTINCT FROM NEW.role)
    EXECUTE FUNCTION credentials_notify_roles();
