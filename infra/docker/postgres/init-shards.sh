#!/bin/sh
# Runs once, when the postgres container initialises an empty data volume: one database per physical shard
# (plaza_shard_0 … plaza_shard_<PLAZA_SHARDS-1>), as infra/local/infra.ts does. Tables come from `npm run db:migrate`.
set -eu
shards="${PLAZA_SHARDS:-4}"
i=0
while [ "$i" -lt "$shards" ]; do
  echo "creating database plaza_shard_$i"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -c "CREATE DATABASE plaza_shard_$i"
  i=$((i + 1))
done
