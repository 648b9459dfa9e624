#!/bin/sh
# Patroni runs this once, on the node that bootstraps the cluster ($1: a connection string as
# the superuser): the service's login and database, replicated to every node from then on.
set -e
psql "$1" -v ON_ERROR_STOP=1 -v password="$GAMELEDGER_DB_PASSWORD" <<'SQL'
CREATE ROLE gameledger LOGIN PASSWORD :'password';
CREATE DATABASE gameledger OWNER gameledger;
SQL
