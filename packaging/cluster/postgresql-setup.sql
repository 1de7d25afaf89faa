-- The database and role for a Confab cluster (docs/deploy.md). Run once as a superuser:
--   sudo -u postgres psql -f postgresql-setup.sql
-- then change the password (ALTER ROLE confab PASSWORD '...') and put it in each node's
-- database URL. The role owns its database and nothing else: it creates the schema itself on
-- the first node's start, including the `unaccent` extension (trusted: a database owner may).
-- tst_failover runs this file and the nodes connect as this role.
CREATE ROLE confab LOGIN PASSWORD 'change-me';
CREATE DATABASE confab OWNER confab ENCODING 'UTF8' TEMPLATE template0;
