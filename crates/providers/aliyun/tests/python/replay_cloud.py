"""The state and actions of the Aliyun replay server (see replay_server.py).

Answers are shaped after Aliyun's published response examples (ECS 2014-05-26, VPC 2016-04-28,
Elasticsearch 2017-06-13): the same field names, nesting ({"Instances": {"Instance": [...]}})
and error codes. State is kept in memory: what RunInstances made exists until DeleteInstance.
Transitions are instant (Stopping -> Stopped at once), as on moto.
"""
import base64
import binascii
import datetime
import json
import random
import string
import threading
import uuid


class ApiError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def not_found(code, what):
    return ApiError(404, code, "The specified %s does not exist." % what)


REGIONS = {
    "cn-hangzhou": ("bp", "华东1（杭州）", ["cn-hangzhou-h", "cn-hangzhou-i"]),
    "cn-shanghai": ("uf", "华东2（上海）", ["cn-shanghai-e", "cn-shanghai-f"]),
    "cn-beijing": ("2z", "华北2（北京）", ["cn-beijing-g", "cn-beijing-h"]),
}
# (id, vCPUs, memory GiB, architecture)
INSTANCE_TYPES = [
    ("ecs.c6.large", 2, 4.0, "X86"), ("ecs.c6.xlarge", 4, 8.0, "X86"), ("ecs.g6.large", 2, 8.0, "X86"),
    ("ecs.g6.xlarge", 4, 16.0, "X86"), ("ecs.r6.large", 2, 16.0, "X86"), ("ecs.t6-c1m1.large", 2, 2.0, "X86"),
    ("ecs.g6r.large", 2, 8.0, "ARM"),
]
IMAGES = {"ubuntu_22_04_x64_20G_alibase_20230907.vhd", "aliyun_3_x64_20G_alibase_20230727.vhd"}
DISK_CATEGORIES = {"cloud", "cloud_efficiency", "cloud_ssd", "cloud_essd", "cloud_auto"}
NEVER_EXPIRES = "2099-12-31T15:59Z"


def now_minutes():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


def now_seconds():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def indexed(params, prefix, field):
    """Values of `Prefix.N.Field` (or `Prefix.N` when field is None), in N order."""
    out = {}
    for key, value in params.items():
        parts = key.split(".")
        if parts[0] == prefix and len(parts) == (3 if field else 2) and parts[1].isdigit() and (field is None or parts[2] == field):
            out[int(parts[1])] = value
    return [out[n] for n in sorted(out)]


def tags_from(params):
    keys, values = indexed(params, "Tag", "Key"), indexed(params, "Tag", "Value")
    return dict(zip(keys, values + [""] * (len(keys) - len(values))))


def id_list(params, name):
    raw = params.get(name)
    if not raw:
        return None
    try:
        ids = json.loads(raw)
    except ValueError:
        raise ApiError(400, "InvalidParameter", "%s is not a JSON array." % name)
    if not isinstance(ids, list):
        raise ApiError(400, "InvalidParameter", "%s is not a JSON array." % name)
    return ids


def require(params, name):
    value = params.get(name)
    if value in (None, ""):
        raise ApiError(400, "MissingParameter", "The input parameter \"%s\" that is mandatory for processing this request is not supplied." % name)
    return value


def as_int(params, name, default, low, high):
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "InvalidParameter", "%s is not an integer." % name)
    if not low <= value <= high:
        raise ApiError(400, "InvalidParameter", "%s must be between %d and %d." % (name, low, high))
    return value


class Cloud:
    def __init__(self):
        self.lock = threading.RLock()
        self.reset()

    def reset(self):
        with self.lock:
            self.objects = {}  # id -> dict, every kind; "kind" and "region" fields say which
            self.tokens = {}  # (action, ClientToken) -> id
            self.page_tokens = {}  # NextToken -> offset
            for region in REGIONS:
                self._seed_network(region)

    def new_id(self, prefix, region):
        letters = string.ascii_lowercase + string.digits
        return "%s-%s%s" % (prefix, REGIONS[region][0], "".join(random.choice(letters) for _ in range(18)))

    def _seed_network(self, region):
        zones = REGIONS[region][2]
        vpc_id = self.new_id("vpc", region)
        vpc = self.add("vpc", region, vpc_id, VpcId=vpc_id, VpcName="default-vpc", CidrBlock="172.16.0.0/12", IsDefault=True)
        for i, zone in enumerate(zones):
            vsw_id = self.new_id("vsw", region)
            self.add("vswitch", region, vsw_id, VSwitchId=vsw_id, VSwitchName="default-%s" % zone, VpcId=vpc["VpcId"],
                     ZoneId=zone, CidrBlock="172.%d.0.0/20" % (16 + i), AvailableIpAddressCount=4091, IsDefault=True)
        sg_id = self.new_id("sg", region)
        self.add("securitygroup", region, sg_id, SecurityGroupId=sg_id, SecurityGroupName="default", VpcId=vpc["VpcId"],
                 Description="System created security group.", Permissions=[
                     dict(Direction="ingress", IpProtocol="TCP", PortRange="22/22", SourceCidrIp="0.0.0.0/0", Description="ssh"),
                     dict(Direction="ingress", IpProtocol="ICMP", PortRange="-1/-1", SourceCidrIp="0.0.0.0/0", Description=""),
                     dict(Direction="egress", IpProtocol="ALL", PortRange="-1/-1", DestCidrIp="0.0.0.0/0", Description=""),
                 ])

    def add(self, kind, region, oid, **fields):
        obj = dict(fields, id=oid, kind=kind, region=region, tags={}, CreationTime=now_seconds(), ResourceGroupId="rg-acfmxazb4ph6aiy")
        self.objects[oid] = obj
        return obj

    def find(self, kind, region, oid, code):
        obj = self.objects.get(oid)
        # region None: the action names no region (Aliyun reads it from the host name).
        if obj is None or obj["kind"] != kind or region not in (None, obj["region"]):
            raise not_found(code, kind)
        return obj

    def of_kind(self, kind, region):
        return sorted((o for o in self.objects.values() if o["kind"] == kind and o["region"] == region), key=obj_id)

    # --- paging ------------------------------------------------------------------------------

    def page(self, params, items, default_size, max_size, token_style):
        """PageNumber/PageSize, or NextToken/MaxResults where the API has it (token_style)."""
        if token_style and ("NextToken" in params or "MaxResults" in params):
            size = as_int(params, "MaxResults", default_size, 1, max_size)
            token = params.get("NextToken") or ""
            start = 0
            if token:
                if token not in self.page_tokens:
                    raise ApiError(400, "InvalidParameter.NextToken", "The specified NextToken is invalid.")
                start = self.page_tokens[token]
            chunk = items[start:start + size]
            next_token = ""
            if start + size < len(items):
                next_token = uuid.uuid4().hex
                self.page_tokens[next_token] = start + size
            return chunk, {"NextToken": next_token, "MaxResults": size, "TotalCount": len(items)}
        number = as_int(params, "PageNumber", 1, 1, 1 << 30)
        size = as_int(params, "PageSize", default_size, 1, max_size)
        chunk = items[(number - 1) * size:number * size]
        return chunk, {"PageNumber": number, "PageSize": size, "TotalCount": len(items)}


def obj_id(obj):
    return obj["id"]


def tag_list(obj, key_name, value_name):
    return {"Tag": [{key_name: k, value_name: v} for k, v in sorted(obj["tags"].items())]}


def charge_fields(obj, prefix):
    return {prefix + "ChargeType": obj.get("ChargeType", "PostPaid"), "ExpiredTime": obj.get("ExpiredTime", NEVER_EXPIRES)}


def decode_user_data(raw):
    if raw:
        try:
            base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(400, "InvalidUserData.Base64FormatInvalid", "The UserData provided is not a valid Base64 string.")
