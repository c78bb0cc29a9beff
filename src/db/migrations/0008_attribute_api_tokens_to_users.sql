-- A token made with another token belonged to that token; it now belongs to the user
-- behind it (followed through any chain), so every created_by names a user or is null
-- (made by Herald itself).
WITH RECURSIVE owner(id, created_by, depth) AS (
  SELECT id, created_by, 0 FROM api_tokens
  UNION ALL
  SELECT owner.id, maker.created_by, owner.depth + 1 FROM owner JOIN api_tokens maker ON maker.id = owner.created_by WHERE owner.depth < 32
), deepest AS (
  SELECT DISTINCT ON (id) id, created_by, depth FROM owner ORDER BY id, depth DESC
)
UPDATE api_tokens SET created_by = deepest.created_by FROM deepest WHERE deepest.id = api_tokens.id AND deepest.depth > 0;
--> statement-breakpoint
-- Removing a user did not revoke their tokens before; it does now, so do it for those removed already.
UPDATE api_tokens SET revoked_at = now() WHERE revoked_at IS NULL AND created_by IS NOT NULL AND created_by NOT IN (SELECT id FROM users);
