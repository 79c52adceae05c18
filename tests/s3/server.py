"""A real S3 server on loopback for tests/deploy_s3.rs and scripts/bench_deploy.sh.

Runs moto's S3 server (pip install "moto[server]") on 127.0.0.1 and a free
port, creates a bucket and an IAM user allowed to use it; with --auth, then
turns on request authentication so that unknown keys are refused with 403
as a real store would (moto's signature check rejects some valid OpenDAL
requests, so the other tests run without it). Prints one JSON line (endpoint, bucket, keys) and serves until
stdin closes or --seconds pass.

Faults, for testing retries: with --fail-every N, the first request for
every Nth distinct method and path (in order of arrival, starting with the
first) is answered 503 SlowDown, as S3 does when overloaded; with
--stall-every N, the first upload (PUT) among every Nth distinct method and
path (starting with the second) gets no answer for --stall-seconds, like a
request lost on the way, and then a 200 without the object being stored:
only a client that timed out and sent it again has its file stored. A
retry of the same request goes through, so each fault costs the client
exactly one retry. GET /__faults__ answers how many
of each were injected; GET /__requests__ lists every request in order of
arrival as [method, path, keys deleted by a batch delete].
"""

import argparse
import io
import json
import logging
import re
import sys
import threading
import time

import boto3
from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

BUCKET = "policypress-site"
SLOW_DOWN = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
)
ALLOW_ALL = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=900.0)
    parser.add_argument("--auth", action="store_true")
    parser.add_argument("--fail-every", type=int, default=0)
    parser.add_argument("--stall-every", type=int, default=0)
    parser.add_argument("--stall-seconds", type=float, default=5.0)
    args = parser.parse_args()

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = DomainDispatcherApplication(create_backend_app)

    lock = threading.Lock()
    requests = []
    seen = set()
    injected = {"failed": 0, "stalled": 0}
    # Faults and the request list start after the bucket and key are set up.
    armed = threading.Event()

    def fault(method, path):
        """The fault to inject into this request, if any; under the lock."""
        if (method, path) in seen:
            return None
        seen.add((method, path))
        index = len(seen) - 1
        if args.stall_every and method == "PUT" and index % args.stall_every == 1 % args.stall_every:
            return "stalled"
        if args.fail_every and index % args.fail_every == 0:
            return "failed"
        return None

    def counted(environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        if path in ("/__faults__", "/__requests__"):
            with lock:
                body = json.dumps(injected if path == "/__faults__" else requests).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        deleted = []
        if method == "POST" and "delete" in environ.get("QUERY_STRING", ""):
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            deleted = re.findall(r"<Key>(.*?)</Key>", body.decode())
        injected_fault = None
        with lock:
            if armed.is_set():
                requests.append([method, path, deleted])
                injected_fault = fault(method, path)
            if injected_fault:
                injected[injected_fault] += 1
        if injected_fault:
            environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if injected_fault == "stalled":
            time.sleep(args.stall_seconds)
            start_response("200 OK", [("Content-Length", "0")])
            return [b""]
        if injected_fault:
            start_response(
                "503 Slow Down", [("Content-Type", "application/xml"), ("Content-Length", str(len(SLOW_DOWN)))]
            )
            return [SLOW_DOWN]
        return app(environ, start_response)

    server = make_server("127.0.0.1", 0, counted, threaded=True)
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()

    setup = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="setup", aws_secret_access_key="setup")
    boto3.client("s3", **setup).create_bucket(Bucket=BUCKET)
    iam = boto3.client("iam", **setup)
    iam.create_user(UserName="deploy")
    iam.put_user_policy(UserName="deploy", PolicyName="site", PolicyDocument=ALLOW_ALL)
    key = iam.create_access_key(UserName="deploy")["AccessKey"]
    if args.auth:
        # From here on every request must be signed by a known key (what
        # moto's /moto-api/reset-auth does; the server runs in this process).
        settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
        ActionAuthenticatorMixin.request_count = 0
    armed.set()

    print(
        json.dumps(
            {
                "endpoint": endpoint,
                "bucket": BUCKET,
                "access_key_id": key["AccessKeyId"],
                "secret_access_key": key["SecretAccessKey"],
            }
        ),
        flush=True,
    )
    waiter = threading.Thread(target=sys.stdin.read, daemon=True)
    waiter.start()
    waiter.join(args.seconds)
    server.shutdown()


if __name__ == "__main__":
    main()
