"""A real S3 server on loopback for tests/deploy_s3.rs and scripts/bench_deploy.sh.

Runs moto's S3 server (pip install "moto[server]") on 127.0.0.1 and a free
port, creates a bucket and an IAM user allowed to use it; with --auth, then
turns on request authentication so that unknown keys are refused with 403
as a real store would (moto's signature check rejects some valid OpenDAL
requests, so the other tests run without it). Prints one JSON line (endpoint, bucket, keys) and serves until
stdin closes or --seconds pass. With --log, prints one line per request
("request PUT") to stderr, for counting requests.
"""

import argparse
import json
import logging
import sys
import threading

import boto3
from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

BUCKET = "policypress-site"
ALLOW_ALL = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=900.0)
    parser.add_argument("--log", action="store_true")
    parser.add_argument("--auth", action="store_true")
    args = parser.parse_args()

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = DomainDispatcherApplication(create_backend_app)

    log_lock = threading.Lock()

    def counted(environ, start_response):
        if args.log:
            # One write per line under a lock: requests arrive on many threads.
            with log_lock:
                sys.stderr.write(f"request {environ['REQUEST_METHOD']}\n")
                sys.stderr.flush()
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
