-- Who a task acts for: the user who asked and the project it belongs to (task lists are scoped
-- by project like every other object; the action log names the user). Empty for system tasks
-- (periodic syncs) that no user started; those belong to their target's project.
ALTER TABLE tasks ADD COLUMN domain_id TEXT;
ALTER TABLE tasks ADD COLUMN project_id TEXT;
ALTER TABLE tasks ADD COLUMN user_id TEXT;
ALTER TABLE tasks ADD COLUMN user_name TEXT;
CREATE INDEX tasks_project ON tasks (project_id, created_at, id);
