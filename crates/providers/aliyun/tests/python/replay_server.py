"""A stateful local stand-in for Aliyun's ECS, VPC and Elasticsearch APIs, for tests.

No Aliyun emulator exists. This server answers from responses shaped after Aliyun's published
API examples and, like Aliyun, refuses any request whose signature the official code
(aliyun-python-sdk-core, alibabacloud-openapi-util) does not reproduce:
RPC signature v1, ACS3-HMAC-SHA256 (v3) and ROA. Usage:

    ALIYUN_REPLAY_ACCESS_KEY_ID=... ALIYUN_REPLAY_ACCESS_KEY_SECRET=... python replay_server.py --port N

(the secret comes from the environment, never from the command line). The region of ROA calls
is named by the `x-acs-region-id` header or the `RegionId` query parameter (the real cloud
reads it from the host name). Control endpoints, unauthenticated (loopback tests only):
  POST /_replay/reset                      forget everything, re-seed the default networks
  POST /_replay/inject  {"action", "status", "code", "count", "after"?}  fail `count` calls of
                        `action` ("*" for any), after letting `after` through, with that error
                        (after their signature checks, as Aliyun throttles signed calls)
  POST /_replay/elasticsearch {"region", "name", "status"?, "payment"?}  make an instance
                        (status: active, activating, inactive, invalid; payment: postpaid, prepaid)
  GET  /_replay/calls                      the actions answered so far, in order
  GET  /_replay/objects                    every resource it holds (instances, disks, ...), for
                        tests that check what an operation did in the cloud's own state
  GET  /_replay/signatures                 every signature it received, so tests can check that
                        none leaks into logs
"""
import argparse
import datetime
import email.utils
import hashlib
import base64
import json
import os
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

from aliyunsdkcore.auth.composer import rpc_signature_composer
from alibabacloud_openapi_util.client import Client as OpenApiUtil

import replay_actions
import replay_elasticsearch
from replay_cloud import ApiError, Cloud

_rpc_string_to_sign = getattr(rpc_signature_composer, "__compose_string_to_sign")
_rpc_sign = getattr(rpc_signature_composer, "__get_signature")

ACCESS_KEY_ID = os.environ.get("ALIYUN_REPLAY_ACCESS_KEY_ID", "")
SECRET = os.environ.get("ALIYUN_REPLAY_ACCESS_KEY_SECRET", "")
CLOCK_SKEW = datetime.timedelta(minutes=15)
ES_VERSION = "2017-06-13"

CLOUD = Cloud()
STATE = {"injected": [], "calls": [], "nonces": set(), "signatures": []}
STATE_LOCK = threading.Lock()


def incomplete(what):
    return ApiError(400, "IncompleteSignature", "The request signature does not conform to Aliyun standards (%s)." % what)


def mismatch():
    return ApiError(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")


def check_key(ak):
    if ak != ACCESS_KEY_ID:
        raise ApiError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")


def check_time(when):
    now = datetime.datetime.now(datetime.timezone.utc)
    if when is None or abs(now - when) > CLOCK_SKEW:
        raise ApiError(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")


def iso_time(text):
    try:
        return datetime.datetime.strptime(text or "", "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return None


def check_nonce(nonce):
    with STATE_LOCK:
        if nonce in STATE["nonces"]:
            raise ApiError(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
        STATE["nonces"].add(nonce)


def received(signature):
    if signature:
        with STATE_LOCK:
            STATE["signatures"].append(signature)


def verify_rpc_v1(method, params):
    signature = params.pop("Signature", None)
    received(signature)
    for name in ("AccessKeyId", "SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp"):
        if not params.get(name):
            raise incomplete("no %s" % name)
    if not signature:
        raise incomplete("no Signature")
    if params["SignatureMethod"] != "HMAC-SHA1" or params["SignatureVersion"] != "1.0":
        raise incomplete("unsupported signature method")
    check_key(params["AccessKeyId"])
    if signature != _rpc_sign(_rpc_string_to_sign(method, dict(params)), SECRET):
        raise mismatch()
    check_time(iso_time(params["Timestamp"]))
    check_nonce(params["SignatureNonce"])


def verify_acs3(method, path, query, headers, body):
    scheme, _, rest = headers["authorization"].partition(" ")
    fields = dict(part.split("=", 1) for part in rest.split(",") if "=" in part)
    signed = fields.get("SignedHeaders", "").split(";")
    for name in ("host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"):
        if name not in signed or name not in headers:
            raise incomplete("%s not signed" % name)
    if scheme != "ACS3-HMAC-SHA256" or "Signature" not in fields:
        raise incomplete("malformed Authorization")
    received(fields["Signature"])
    check_key(fields.get("Credential"))
    if hashlib.sha256(body).hexdigest() != headers["x-acs-content-sha256"]:
        raise mismatch()
    request = SimpleNamespace(method=method, pathname=path, query=query, headers={h: headers.get(h) for h in signed})
    expected = OpenApiUtil.get_authorization(request, "ACS3-HMAC-SHA256", headers["x-acs-content-sha256"], fields["Credential"], SECRET)
    if headers["authorization"] != expected:
        raise mismatch()
    check_time(iso_time(headers["x-acs-date"]))
    check_nonce(headers["x-acs-signature-nonce"])


def verify_roa(method, path, query, headers, body):
    auth = headers.get("authorization", "")
    if not auth.startswith("acs ") or ":" not in auth:
        raise incomplete("no Authorization")
    for name in ("date", "x-acs-signature-nonce", "x-acs-signature-method", "x-acs-version"):
        if not headers.get(name):
            raise incomplete("no %s" % name)
    ak, _, signature = auth[4:].rpartition(":")
    received(signature)
    check_key(ak)
    if body and headers.get("content-md5") != base64.b64encode(hashlib.md5(body).digest()).decode():
        raise mismatch()
    request = SimpleNamespace(method=method, pathname=path, query=query, headers=headers)
    if auth != "acs %s:%s" % (ak, OpenApiUtil.get_roasignature(OpenApiUtil.get_string_to_sign(request), SECRET)):
        raise mismatch()
    try:
        check_time(email.utils.parsedate_to_datetime(headers["date"]))
    except (TypeError, ValueError):
        raise incomplete("bad Date")
    check_nonce(headers["x-acs-signature-nonce"])


def injected(action):
    with STATE_LOCK:
        STATE["calls"].append(action)
        for rule in STATE["injected"]:
            if rule["action"] in ("*", action) and rule["count"] > 0:
                if rule["after"] > 0:
                    rule["after"] -= 1
                    continue
                rule["count"] -= 1
                raise ApiError(rule.get("status", 400), rule["code"], rule.get("message", "Injected by the replay server."))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        # Quiet: request lines carry signatures, and the test output has no use for them.
        pass

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_DELETE(self):
        self.handle_any()

    def do_PUT(self):
        self.handle_any()

    def reply(self, status, body, extra_headers=None):
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        for k, v in (extra_headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(raw)

    def handle_any(self):
        split = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        request_id = str(uuid.uuid4()).upper()
        if split.path.startswith("/_replay/"):
            return self.control(split.path, body)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            with CLOUD.lock:
                answer = self.dispatch(split.path, query, headers, body)
            self.reply(200, dict(answer, RequestId=request_id))
        except ApiError as e:
            self.reply(e.status, {"RequestId": request_id, "HostId": headers.get("host", ""), "Code": e.code, "Message": e.message,
                                  "Recommend": "https://api.aliyun.com/troubleshoot?q=%s" % e.code})

    def dispatch(self, path, query, headers, body):
        method = self.command
        auth = headers.get("authorization", "")
        if path.startswith("/openapi/"):
            if auth.startswith("ACS3-HMAC-SHA256"):
                verify_acs3(method, path, query, headers, body)
            else:
                verify_roa(method, path, query, headers, body)
            if headers.get("x-acs-version") != ES_VERSION:
                raise ApiError(400, "InvalidVersion", "Specified parameter Version is not valid.")
            region = headers.get("x-acs-region-id") or query.get("RegionId") or ""
            action, run = replay_elasticsearch.handle(CLOUD, region, method, path, query)
            injected(action)
            return run()
        params = dict(query)
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        if auth.startswith("ACS3-HMAC-SHA256"):
            verify_acs3(method, path, query, headers, body)
            action, version = headers["x-acs-action"], headers["x-acs-version"]
        else:
            verify_rpc_v1(method, params)
            action, version = params.get("Action", ""), params.get("Version", "")
        handler = replay_actions.RPC_ACTIONS.get((version, action))
        if handler is None:
            raise ApiError(404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
        injected(action)
        return handler(CLOUD, params)

    def control(self, path, body):
        try:
            args = json.loads(body or b"{}")
        except ValueError:
            return self.reply(400, {"error": "body is not JSON"})
        if path == "/_replay/reset":
            CLOUD.reset()
            with STATE_LOCK:
                STATE["injected"].clear()
                STATE["calls"].clear()
                STATE["signatures"].clear()
            return self.reply(200, {})
        if path == "/_replay/inject":
            with STATE_LOCK:
                STATE["injected"].append(dict(args, count=int(args.get("count", 1)), after=int(args.get("after", 0))))
            return self.reply(200, {})
        if path == "/_replay/elasticsearch":
            try:
                with CLOUD.lock:
                    es = replay_elasticsearch.seed(CLOUD, args.get("region", ""), args.get("name", "es"), args.get("status", "active"),
                                                   args.get("payment", "postpaid"))
            except ApiError as e:
                return self.reply(400, {"error": e.message})
            return self.reply(200, {"instanceId": es["instanceId"]})
        if path == "/_replay/calls":
            with STATE_LOCK:
                return self.reply(200, {"calls": list(STATE["calls"])})
        if path == "/_replay/objects":
            with CLOUD.lock:
                return self.reply(200, {"objects": sorted(CLOUD.objects.values(), key=lambda o: o["id"])})
        if path == "/_replay/signatures":
            with STATE_LOCK:
                return self.reply(200, {"signatures": list(STATE["signatures"])})
        return self.reply(404, {"error": "no such control endpoint"})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    if not ACCESS_KEY_ID or not SECRET:
        raise SystemExit("ALIYUN_REPLAY_ACCESS_KEY_ID and ALIYUN_REPLAY_ACCESS_KEY_SECRET must be set")
    ThreadingHTTPServer((args.host, args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
