#!/bin/sh
# Runs once, when the postgres container initialises an empty data volume: each subgraph owns its databases, one per
# physical shard (plaza_<subgraph>_0 … plaza_<subgraph>_<PLAZA_SHARDS-1>), as infra/local/infra.ts does for every
# prisma/<subgraph>/schema.prisma. Tables come from `npm run db:migrate`.
set -eu
shards="${PLAZA_SHARDS:-4}"
for subgraph in ${PLAZA_SUBGRAPHS:-counters payments posts users}; do
  i=0
  while [ "$i" -lt "$shards" ]; do
    echo "creating database plaza_${subgraph}_$i"
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -c "CREATE DATABASE plaza_${subgraph}_$i"
    i=$((i + 1))
  done
done
