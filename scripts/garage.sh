#!/usr/bin/env bash
# A single-node Garage (https://garagehq.deuxfleurs.fr/, crates.io `garage`:
# `cargo install garage --locked`) on loopback, for
# `S3_SERVER=garage scripts/bench_deploy.sh` and for trying `deploy` by hand.
#
#   scripts/garage.sh [SECONDS]     default 3600
#
# Writes a config with replication_factor = 1 into a temporary directory,
# starts the server, gives it a layout, creates the bucket `policypress-site`
# and a key allowed to use it with Garage's CLI, and prints one JSON line:
# endpoint, bucket, access_key_id, secret_access_key, metrics (the admin
# API's Prometheus URL, which counts S3 requests by endpoint). Serves until
# stdin closes or SECONDS pass, then stops and deletes its directory.
# GARAGE names the binary (default: garage on PATH).
set -euo pipefail
seconds="${1:-3600}"
garage="${GARAGE:-garage}"
command -v "$garage" >/dev/null || { echo "no garage binary: cargo install garage --locked" >&2; exit 1; }

dir="$(mktemp -d)"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
s3="$(free_port)"; rpc="$(free_port)"; admin="$(free_port)"
# The RPC secret only joins nodes of this throwaway cluster; a fresh one each run.
cat >"$dir/garage.toml" <<TOML
metadata_dir = "$dir/meta"
data_dir = "$dir/data"
db_engine = "lmdb"
replication_factor = 1
rpc_bind_addr = "127.0.0.1:$rpc"
rpc_public_addr = "127.0.0.1:$rpc"
rpc_secret = "$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"

[s3_api]
s3_region = "us-east-1"
api_bind_addr = "127.0.0.1:$s3"
root_domain = ".s3.localhost"

[admin]
api_bind_addr = "127.0.0.1:$admin"
TOML
cli() { "$garage" -c "$dir/garage.toml" "$@"; }

"$garage" -c "$dir/garage.toml" server >"$dir/server.log" 2>&1 &
server=$!
stop() { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$dir"; }
trap stop EXIT
trap 'exit 1' INT TERM HUP
for _ in $(seq 120); do cli status >/dev/null 2>&1 && break; sleep 0.5; done
cli status >/dev/null 2>&1 || { cat "$dir/server.log" >&2; echo "garage did not start" >&2; exit 1; }

node="$(cli node id 2>/dev/null | cut -c1-64)"
cli layout assign -z local -c 10G "$node" >/dev/null
cli layout apply --version 1 >/dev/null
cli bucket create policypress-site >/dev/null
key="$(cli json-api CreateKey '{"name": "deploy"}')"
cli bucket allow --read --write --owner policypress-site --key deploy >/dev/null

python3 -c '
import json, sys
key = json.loads(sys.argv[1])
print(json.dumps({
    "endpoint": "http://127.0.0.1:" + sys.argv[2],
    "bucket": "policypress-site",
    "access_key_id": key["accessKeyId"],
    "secret_access_key": key["secretAccessKey"],
    "metrics": "http://127.0.0.1:" + sys.argv[3] + "/metrics",
}), flush=True)' "$key" "$s3" "$admin"
# In the background, so that a signal stops the wait (and the server) at once.
timeout "$seconds" cat <&0 >/dev/null &
wait $! || true
