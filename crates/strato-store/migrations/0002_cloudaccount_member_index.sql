-- Members list with a project IN-list plus a provider filter; this index serves both the
-- page (small sort) and the COUNT (covering), instead of sorting every row of the provider.
CREATE INDEX cloudaccounts_project_provider ON cloudaccounts (project_id, provider, created_at, id);
