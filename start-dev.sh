#!/usr/bin/env bash
# Start GPUBroker's full stack for development (spec FR-DX-1): checks Docker and Compose, creates .env
# from .env.example when it is missing, starts deploy/compose.yaml, waits for PostgreSQL, Redis,
# ClickHouse and the API's readiness, then prints the URLs. Any failure exits non-zero with a message
# saying what failed and where to look.
#
# Overridable (for other setups and for tests/deploy/test_start_dev.py, which runs it against fake
# `docker` executables):
#   GPUBROKER_DEV_DOCKER    the docker command                  (default: docker)
#   GPUBROKER_DEV_ENV_FILE  the env file compose reads           (default: .env)
#   GPUBROKER_DEV_WAIT_S    seconds to wait for each service     (default: 180)
#   GPUBROKER_DEV_POLL_S    seconds between two checks           (default: 2)
set -euo pipefail
cd "$(dirname "$0")"

DOCKER="${GPUBROKER_DEV_DOCKER:-docker}"
ENV_FILE="${GPUBROKER_DEV_ENV_FILE:-.env}"
WAIT_S="${GPUBROKER_DEV_WAIT_S:-180}"
POLL_S="${GPUBROKER_DEV_POLL_S:-2}"
COMPOSE_FILE="deploy/compose.yaml"
# Settings that must have a value before compose can start (compose.yaml refuses to start without them).
REQUIRED=(POSTGRES_PASSWORD REDIS_PASSWORD CLICKHOUSE_PASSWORD GRAFANA_ADMIN_PASSWORD VAULT_TOKEN
  JWT_SECRET WEBHOOK_SECRET ENCRYPTION_KEY METRICS_TOKEN)

die() {
  echo "start-dev: error: $*" >&2
  exit 1
}

# --- Docker and Compose ---------------------------------------------------------------------------------
command -v "$DOCKER" >/dev/null 2>&1 \
  || die "Docker is not installed ('$DOCKER' is not on PATH); install Docker Engine 24+ with the compose plugin"
"$DOCKER" info >/dev/null 2>&1 \
  || die "the Docker daemon is not reachable ('$DOCKER info' failed); start Docker or check access to its socket"
"$DOCKER" compose version >/dev/null 2>&1 \
  || die "Docker Compose v2 is not available ('$DOCKER compose version' failed); install the docker-compose-plugin"

# --- .env -----------------------------------------------------------------------------------------------
if [[ ! -f "$ENV_FILE" ]]; then
  [[ -f .env.example ]] || die ".env.example is missing; restore it from git"
  cp .env.example "$ENV_FILE"
  echo "start-dev: created $ENV_FILE from .env.example (development values only)"
fi
env_value() { # the value of $1 in the env file, empty when unset
  sed -n "s/^$1=//p" "$ENV_FILE" | tail -n 1
}
for key in "${REQUIRED[@]}"; do
  [[ -n "$(env_value "$key")" ]] || die "$ENV_FILE has no value for $key (.env.example shows every setting)"
done

compose() {
  "$DOCKER" compose --env-file "$ENV_FILE" -f "$COMPOSE_FILE" "$@"
}

# --- start ----------------------------------------------------------------------------------------------
echo "start-dev: starting the stack (the first build of the image takes a few minutes)"
compose up -d --build \
  || die "'docker compose up' failed (see above); the services' logs: docker compose -f $COMPOSE_FILE logs"

wait_for() { # wait_for NAME COMMAND...: run COMMAND until it succeeds, at most WAIT_S seconds
  local name=$1
  shift
  local deadline=$((SECONDS + WAIT_S))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      die "$name did not become ready within ${WAIT_S}s; its logs: docker compose -f $COMPOSE_FILE logs $name"
    fi
    sleep "$POLL_S"
  done
  echo "start-dev: $name is ready"
}

wait_for postgres compose exec -T postgres pg_isready -U gpubroker -d gpubroker
wait_for redis compose exec -T redis redis-cli ping
wait_for clickhouse compose exec -T clickhouse clickhouse-client --user gpubroker \
  --password "$(env_value CLICKHOUSE_PASSWORD)" --query "SELECT 1"
# Through the proxy, as a browser would reach it: the database, Redis and the migrations at head.
wait_for api compose exec -T proxy wget -q -O /dev/null http://127.0.0.1/ready

port() { # the port $1 from the env file, or the default $2 that compose.yaml uses
  local value
  value="$(env_value "$1")"
  echo "${value:-$2}"
}
HTTP="http://localhost:$(port HTTP_PORT 8080)"
cat <<EOF

GPUBroker is running:
  marketplace   $HTTP/
  chat          $HTTP/chat
  API docs      $HTTP/docs
  Grafana       http://localhost:$(port GRAFANA_PORT 3000)   (admin / GRAFANA_ADMIN_PASSWORD in $ENV_FILE)
  Prometheus    http://localhost:$(port PROMETHEUS_PORT 9090)
  Vault         http://localhost:$(port VAULT_PORT 8200)   (token: VAULT_TOKEN in $ENV_FILE)
Stop it with: docker compose --env-file $ENV_FILE -f $COMPOSE_FILE down
EOF
