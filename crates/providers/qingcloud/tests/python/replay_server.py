"""A stateful local stand-in for QingCloud's IaaS API, for tests (writes and jobs: replay_jobs.py).

No QingCloud emulator exists. This server answers Describe* calls from state shaped after
QingCloud's documented responses and, like QingCloud, refuses any request whose signature the
official SDK (qingcloud-sdk, QuerySignatureAuthHandler) does not reproduce, with QingCloud's
error shape: HTTP 200 and {"ret_code": n, "message": ...}. Usage:

    QINGCLOUD_REPLAY_ACCESS_KEY_ID=... QINGCLOUD_REPLAY_SECRET_ACCESS_KEY=... python replay_server.py --port N

(the secret comes from the environment, never from the command line). Control endpoints,
unauthenticated (loopback tests only):
  POST /_replay/reset                     forget every object and injected error
  POST /_replay/reset_calls               forget the calls recorded so far, keeping the objects
  POST /_replay/seed {"kind", "zone", "object"}  add an object (kind: instance, volume, vxnet,
                       router, security_group, security_group_rule); its id is the object's own
                       id field when given, else made up; answers {"id"}
  POST /_replay/inject {"action", "ret_code", "message"?, "count", "after"?}  fail `count`
                       calls of `action` ("*" for any), after letting `after` through, with that
                       ret_code (after the signature check: QingCloud throttles signed calls)
  POST /_replay/config {"job_delay"}      seconds until an accepted job ends (default 0.2)
  GET  /_replay/calls                     the actions answered or refused so far, in order
                       (each as {"action", "zone", "offset"})
"""
import argparse
import copy
import datetime
import json
import os
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from qingcloud.conn.auth import QuerySignatureAuthHandler

import replay_jobs
from replay_jobs import ApiError

ACCESS_KEY_ID = os.environ.get("QINGCLOUD_REPLAY_ACCESS_KEY_ID", "")
SECRET = os.environ.get("QINGCLOUD_REPLAY_SECRET_ACCESS_KEY", "")
# QingCloud refuses a time_stamp too far from its clock.
CLOCK_SKEW = datetime.timedelta(seconds=60)
MAX_LIMIT = 100
DEFAULT_LIMIT = 20

# The zones, each with the region it belongs to (pek3 has several zones; gd2 and sh1 as well).
ZONES = [
    {"zone_id": "pek3a", "region_id": "pek3", "status": "active"},
    {"zone_id": "pek3b", "region_id": "pek3", "status": "active"},
    {"zone_id": "gd2a", "region_id": "gd2", "status": "active"},
    {"zone_id": "sh1a", "region_id": "sh1", "status": "faulty"},
    {"zone_id": "gd1", "region_id": "gd1", "status": "defunct"},
]
INSTANCE_TYPES = [
    {"instance_type_id": "c1m1", "vcpus_current": 1, "memory_current": 1024},
    {"instance_type_id": "c2m4", "vcpus_current": 2, "memory_current": 4096},
    {"instance_type_id": "c4m8", "vcpus_current": 4, "memory_current": 8192},
]

# Per kind: the Describe action, its answer's list field, the id field, the id-list parameter.
KINDS = {
    "instance": ("DescribeInstances", "instance_set", "instance_id", "instances", "i-"),
    "volume": ("DescribeVolumes", "volume_set", "volume_id", "volumes", "vol-"),
    "vxnet": ("DescribeVxnets", "vxnet_set", "vxnet_id", "vxnets", "vxnet-"),
    "router": ("DescribeRouters", "router_set", "router_id", "routers", "rtr-"),
    "security_group": ("DescribeSecurityGroups", "security_group_set", "security_group_id", "security_groups", "sg-"),
    "security_group_rule": ("DescribeSecurityGroupRules", "security_group_rule_set", "security_group_rule_id", "security_group_rules", "sgr-"),
}
ACTIONS = {action: kind for kind, (action, *_rest) in KINDS.items()}

LOCK = threading.Lock()
STATE = {"objects": [], "injected": [], "calls": [], "jobs": [], "tags": []}


def now_text():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def verify(method, params):
    """Raise QingCloud's error unless `params` carry a valid signature by our key."""
    signature = params.pop("signature", None)
    for name in ("access_key_id", "signature_method", "signature_version", "time_stamp", "version"):
        if not params.get(name):
            raise ApiError(1100, "MissingParameter, %s" % name)
    if not signature:
        raise ApiError(1100, "MissingParameter, signature")
    if params["signature_method"] != "HmacSHA256" or params["signature_version"] != "1":
        raise ApiError(1100, "InvalidParameterValue, signature_method or signature_version")
    if params["access_key_id"] != ACCESS_KEY_ID:
        raise ApiError(1200, "AuthFailure, access key [%s] not found" % params["access_key_id"])
    handler = QuerySignatureAuthHandler("api.qingcloud.com", ACCESS_KEY_ID, SECRET)
    _, expected = handler._calc_signature(dict(params), method, "/iaas/")
    if isinstance(expected, bytes):
        expected = expected.decode("ascii")
    if signature != expected:
        raise ApiError(1200, "AuthFailure, signature not matched")
    try:
        when = datetime.datetime.strptime(params["time_stamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        raise ApiError(1100, "InvalidParameterValue, time_stamp")
    if abs(datetime.datetime.now(datetime.timezone.utc) - when) > CLOCK_SKEW:
        raise ApiError(1300, "RequestExpired, time_stamp [%s] expired" % params["time_stamp"])


def injected(action):
    """The error injected for this call of `action`, if any (consumes it)."""
    with LOCK:
        for rule in STATE["injected"]:
            if rule["action"] not in ("*", action) or rule["count"] <= 0:
                continue
            if rule["after"] > 0:
                rule["after"] -= 1
                return None
            rule["count"] -= 1
            return ApiError(rule["ret_code"], rule.get("message") or "injected error %d" % rule["ret_code"])
    return None


def numbered(params, name):
    """QingCloud's list parameters: name.1, name.2, ..."""
    values = []
    n = 1
    while "%s.%d" % (name, n) in params:
        values.append(params["%s.%d" % (name, n)])
        n += 1
    return values


def page(params, items, field):
    try:
        offset = int(params.get("offset", "0"))
        limit = int(params.get("limit", str(DEFAULT_LIMIT)))
    except ValueError:
        raise ApiError(1100, "InvalidParameterValue, offset or limit")
    if offset < 0 or limit < 0:
        raise ApiError(1100, "InvalidParameterValue, offset or limit")
    limit = min(limit, MAX_LIMIT)
    return {field: items[offset:offset + limit], "total_count": len(items)}


def require_zone(params):
    zone = params.get("zone", "")
    if zone not in [z["zone_id"] for z in ZONES]:
        raise ApiError(1100, "InvalidParameterValue, zone [%s]" % zone)
    return zone


def describe(action, params):
    if action == "DescribeZones":
        wanted = numbered(params, "zones")
        zones = [z for z in ZONES if not wanted or z["zone_id"] in wanted]
        return {"zone_set": zones, "total_count": len(zones)}
    zone = require_zone(params)
    if action == "DescribeInstanceTypes":
        wanted = numbered(params, "instance_types")
        types = [dict(t, zone_id=zone, status="available") for t in INSTANCE_TYPES if not wanted or t["instance_type_id"] in wanted]
        return {"instance_type_set": types, "total_count": len(types)}
    kind = ACTIONS.get(action)
    if kind is None:
        raise ApiError(1101, "InvalidAction, action [%s] not supported" % action)
    _, field, id_field, ids_param, _ = KINDS[kind]
    wanted = numbered(params, ids_param)
    with LOCK:
        # Copies: jobs settling on other threads change the objects while this answer is written.
        items = [copy.deepcopy(o["object"]) for o in STATE["objects"] if o["kind"] == kind and o["zone"] == zone]
    items = [i for i in items if not wanted or i[id_field] in wanted]
    if kind == "security_group_rule" and params.get("security_group"):
        items = [i for i in items if i["security_group_id"] == params["security_group"]]
    if kind == "volume" and params.get("instance_id"):
        items = [i for i in items if (i.get("instance") or {}).get("instance_id") == params["instance_id"]]
    statuses = numbered(params, "status")
    if statuses:
        items = [i for i in items if i.get("status") in statuses]
    return page(params, items, field)


def answer_call(action, params):
    """Settle the jobs that are due, then answer: a write, a tag/job listing, or a Describe."""
    with LOCK:
        replay_jobs.settle(STATE)
        if action in replay_jobs.PAGED:
            return replay_jobs.PAGED[action](STATE, params.get("zone", ""), params, page)
        if action in ("CreateTag", "AttachTags", "DetachTags"):
            return replay_jobs.WRITES[action](STATE, params.get("zone", ""), params)
    if action in replay_jobs.WRITES:
        zone = require_zone(params)
        with LOCK:
            return replay_jobs.WRITES[action](STATE, zone, params)
    return describe(action, params)


def seed(body):
    kind = body.get("kind")
    if kind not in KINDS:
        raise ValueError("unknown kind %r" % kind)
    zone = body.get("zone")
    if zone not in [z["zone_id"] for z in ZONES]:
        raise ValueError("unknown zone %r" % zone)
    _, _, id_field, _, prefix = KINDS[kind]
    obj = dict(body.get("object") or {})
    obj.setdefault(id_field, prefix + uuid.uuid4().hex[:8])
    obj.setdefault("create_time", now_text())
    obj.setdefault("tags", [])
    with LOCK:
        STATE["objects"].append({"kind": kind, "zone": zone, "object": obj})
    return {"id": obj[id_field]}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length).decode("utf-8") if length else ""

    def control(self, path):
        if path == "/_replay/calls":
            with LOCK:
                return self.reply(200, {"calls": list(STATE["calls"])})
        try:
            body = json.loads(self.body() or "{}")
            if path == "/_replay/reset":
                with LOCK:
                    STATE.update(objects=[], injected=[], calls=[], jobs=[], tags=[])
                return self.reply(200, {})
            if path == "/_replay/reset_calls":
                with LOCK:
                    STATE["calls"] = []
                return self.reply(200, {})
            if path == "/_replay/seed":
                return self.reply(200, seed(body))
            if path == "/_replay/config":
                replay_jobs.Jobs.delay = float(body["job_delay"])
                return self.reply(200, {})
            if path == "/_replay/inject":
                rule = {"action": body["action"], "ret_code": int(body["ret_code"]), "message": body.get("message"), "count": int(body.get("count", 1)), "after": int(body.get("after", 0))}
                with LOCK:
                    STATE["injected"].append(rule)
                return self.reply(200, {})
        except (ValueError, KeyError, TypeError) as e:
            return self.reply(400, {"error": str(e)})
        return self.reply(404, {"error": "no such control endpoint"})

    def api(self, method):
        split = urlsplit(self.path)
        raw = split.query if method == "GET" else self.body()
        params = dict(parse_qsl(raw, keep_blank_values=True))
        action = params.get("action", "")
        with LOCK:
            STATE["calls"].append({"action": action, "zone": params.get("zone", ""), "offset": int(params.get("offset", "0") or 0)})
        try:
            if split.path != "/iaas/":
                raise ApiError(1100, "InvalidRequest, path [%s]" % split.path)
            verify(method, params)
            error = injected(action)
            if error:
                raise error
            answer = answer_call(action, params)
        except ApiError as e:
            return self.reply(200, {"ret_code": e.ret_code, "message": e.message})
        answer.update(action=action + "Response", ret_code=0)
        return self.reply(200, answer)

    def do_GET(self):
        if self.path.startswith("/_replay/"):
            return self.control(urlsplit(self.path).path)
        return self.api("GET")

    def do_POST(self):
        if self.path.startswith("/_replay/"):
            return self.control(urlsplit(self.path).path)
        return self.api("POST")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--job-delay", type=float, default=replay_jobs.Jobs.delay, help="seconds until an accepted job ends")
    args = parser.parse_args()
    if not ACCESS_KEY_ID or not SECRET:
        raise SystemExit("QINGCLOUD_REPLAY_ACCESS_KEY_ID and QINGCLOUD_REPLAY_SECRET_ACCESS_KEY must be set")
    replay_jobs.Jobs.delay = args.job_delay
    ThreadingHTTPServer((args.host, args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
