"""Elasticsearch (ROA, 2017-06-13) actions of the Aliyun replay server: ListInstance,
DescribeInstance, DeleteInstance, and a seed for tests (the driver cannot create instances)."""
import datetime
import random
import string

from replay_cloud import REGIONS, ApiError, as_int

STATUSES = ("active", "activating", "inactive", "invalid")


def es_not_found(iid):
    return ApiError(404, "InstanceNotFound", "The instanceId provided does not exist: %s" % iid)


def seed(cloud, region, name, status="active", payment="postpaid"):
    if region not in REGIONS or status not in STATUSES:
        raise ApiError(400, "InvalidParameter", "bad region or status")
    iid = "es-cn-" + "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(14))
    vsw = cloud.of_kind("vswitch", region)[0]
    created = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    es = cloud.add("elasticsearch", region, iid, instanceId=iid, description=name, status=status, esVersion="7.10_with_X-Pack",
                   nodeAmount=3, nodeSpec={"spec": "elasticsearch.sn2ne.large", "disk": 20, "diskType": "cloud_ssd"}, paymentType=payment,
                   createdAt=created, updatedAt=created, domain="%s.elasticsearch.aliyuncs.com" % iid, port=9200,
                   networkConfig={"type": "vpc", "vpcId": vsw["VpcId"], "vswitchId": vsw["VSwitchId"], "vsArea": vsw["ZoneId"]})
    if payment == "prepaid":
        es["expireAt"] = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=31)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return es


def view(es):
    out = {k: v for k, v in es.items() if k not in ("id", "kind", "region", "tags", "CreationTime", "ResourceGroupId")}
    out["resourceGroupId"] = es["ResourceGroupId"]
    out["tags"] = [{"tagKey": k, "tagValue": v} for k, v in sorted(es["tags"].items())]
    return out


def list_instance(cloud, region, query):
    page = as_int(query, "page", 1, 1, 1 << 30)
    size = as_int(query, "size", 10, 1, 100)
    items = cloud.of_kind("elasticsearch", region)
    chunk = items[(page - 1) * size:page * size]
    return {"Result": [view(e) for e in chunk], "Headers": {"X-Total-Count": len(items)}}


def find(cloud, region, iid):
    es = cloud.objects.get(iid)
    if es is None or es["kind"] != "elasticsearch" or es["region"] != region:
        raise es_not_found(iid)
    return es


def handle(cloud, region, method, path, query):
    """(action name, answer) of one ROA request."""
    parts = [p for p in path.split("/") if p]
    if parts == ["openapi", "instances"] and method == "GET":
        return "ListInstance", lambda: list_instance(cloud, region, query)
    if len(parts) == 3 and parts[:2] == ["openapi", "instances"]:
        iid = parts[2]
        if method == "GET":
            return "DescribeInstance", lambda: {"Result": view(find(cloud, region, iid))}
        if method == "DELETE":
            def delete():
                del cloud.objects[find(cloud, region, iid)["id"]]
                return {}
            return "DeleteInstance", delete
    raise ApiError(404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
