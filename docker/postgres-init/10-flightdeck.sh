#!/bin/bash
# Runs once, when the postgres container initialises an empty data volume (docker-entrypoint-initdb.d).
# The superuser and its database belong to Temporal (POSTGRES_USER, which auto-setup uses to create
# the `temporal` and `temporal_visibility` databases). Flightdeck gets its own login role and its own
# database, owned by that role, so the two systems never share tables or privileges.
set -euo pipefail

: "${FLIGHTDECK_DB_USER:=flightdeck}"
: "${FLIGHTDECK_DB_NAME:=flightdeck}"
: "${FLIGHTDECK_DB_PASSWORD:?FLIGHTDECK_DB_PASSWORD must be set for the postgresql service}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "${POSTGRES_DB:-$POSTGRES_USER}" \
  -v fd_user="$FLIGHTDECK_DB_USER" -v fd_db="$FLIGHTDECK_DB_NAME" -v fd_password="$FLIGHTDECK_DB_PASSWORD" <<'EOSQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'fd_user', :'fd_password')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'fd_user') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0', :'fd_db', :'fd_user', 'UTF8')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'fd_db') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'fd_db') \gexec
SELECT format('GRANT ALL ON DATABASE %I TO %I', :'fd_db', :'fd_user') \gexec
EOSQL

# PostgreSQL 15+ no longer lets every role create in the public schema; make the owner explicit.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$FLIGHTDECK_DB_NAME" -v fd_user="$FLIGHTDECK_DB_USER" <<'EOSQL'
SELECT format('ALTER SCHEMA public OWNER TO %I', :'fd_user') \gexec
EOSQL
