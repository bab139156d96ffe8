-- One host, one account (issue 13): a second `kvm` account synced every VM and disk of this
-- host into another project. The app refuses a second kvm account; this index makes the store
-- refuse a second enabled one, so two concurrent creates cannot both win. A store that already
-- holds several keeps one enabled (the system project's, else the oldest) and disables the
-- others: a disabled account is not synced and takes no operations; the operator deletes it.
UPDATE cloudaccounts SET enabled = FALSE
WHERE provider = 'kvm' AND enabled = TRUE AND id <> (
    SELECT k.id FROM cloudaccounts k
    LEFT JOIN projects p ON p.id = k.project_id AND p.name = 'system'
    LEFT JOIN domains d ON d.id = p.domain_id AND d.name = 'default'
    WHERE k.provider = 'kvm' AND k.enabled = TRUE
    ORDER BY CASE WHEN d.id IS NULL THEN 1 ELSE 0 END, k.created_at, k.id
    LIMIT 1
);
CREATE UNIQUE INDEX cloudaccounts_one_kvm ON cloudaccounts (provider) WHERE provider = 'kvm' AND enabled = TRUE;
