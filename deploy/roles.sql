-- The database and its two roles (docs/deploy.md, "Database roles"). Run once as a superuser:
--   psql -v owner_password="'…'" -v app_password="'…'" -f deploy/roles.sql
-- xuedang_owner owns the schema and runs `xuedang migrate`, then `xuedang db_grants`;
-- xuedang_app is what the web and worker processes log in as (DATABASE_URL in xuedang.env): it reads
-- and writes rows, appends to the audit log, and cannot UPDATE, DELETE or TRUNCATE it, nor change
-- the schema.
CREATE ROLE xuedang_owner LOGIN PASSWORD :owner_password;
CREATE ROLE xuedang_app LOGIN PASSWORD :app_password;
-- Streaming replicas and base backups (docs/deploy.md, "Read replica", "Backups").
CREATE ROLE xuedang_replication LOGIN REPLICATION PASSWORD :app_password;
CREATE DATABASE xuedang OWNER xuedang_owner ENCODING 'UTF8' TEMPLATE template0;
\connect xuedang
REVOKE ALL ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO xuedang_owner;
GRANT USAGE ON SCHEMA public TO xuedang_app;
-- Tables created by later migrations: the same rights as `db_grants` gives (it still has to run
-- after each migrate, for the audit log's revocations).
ALTER DEFAULT PRIVILEGES FOR ROLE xuedang_owner IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO xuedang_app;
ALTER DEFAULT PRIVILEGES FOR ROLE xuedang_owner IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO xuedang_app;
