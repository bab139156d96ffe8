"""ECS, VPC and Elasticsearch actions of the Aliyun replay server, over replay_cloud.Cloud.

Each RPC action takes (cloud, params) and returns the answer's body without RequestId.
"""
import datetime

from replay_cloud import (ApiError, DISK_CATEGORIES, IMAGES, INSTANCE_TYPES, NEVER_EXPIRES, REGIONS, as_int, charge_fields,
                          decode_user_data, id_list, indexed, not_found, now_minutes, obj_id, require, tag_list, tags_from)

TYPES = {t[0]: t for t in INSTANCE_TYPES}


def region_of(params):
    region = require(params, "RegionId")
    if region not in REGIONS:
        raise ApiError(404, "InvalidRegionId.NotFound", "The specified RegionId does not exist.")
    return region


def region_opt(params):
    return region_of(params) if params.get("RegionId") else None


# --- regions, zones, instance types ---------------------------------------------------------

def describe_regions(cloud, params):
    regions = [{"RegionId": r, "LocalName": v[1], "RegionEndpoint": "ecs.%s.aliyuncs.com" % r, "Status": "available"} for r, v in REGIONS.items()]
    return {"Regions": {"Region": regions}}


def describe_zones(cloud, params):
    region = region_of(params)
    zones = [{
        "ZoneId": z, "LocalName": z, "ZoneType": "AvailabilityZone",
        "AvailableResourceCreation": {"ResourceTypes": ["VSwitch", "IoOptimized", "Instance", "Disk"]},
        "AvailableDiskCategories": {"DiskCategories": sorted(DISK_CATEGORIES)},
        "AvailableInstanceTypes": {"InstanceTypes": [t[0] for t in INSTANCE_TYPES]},
    } for z in REGIONS[region][2]]
    return {"Zones": {"Zone": zones}}


def describe_instance_types(cloud, params):
    wanted = set(indexed(params, "InstanceTypes", None))
    items = [{"InstanceTypeId": t[0], "CpuCoreCount": t[1], "MemorySize": t[2], "InstanceTypeFamily": t[0].rsplit(".", 1)[0],
              "CpuArchitecture": t[3]} for t in INSTANCE_TYPES if not wanted or t[0] in wanted]
    params = dict(params, MaxResults=params.get("MaxResults") or "1600")
    chunk, meta = cloud.page(params, items, 1600, 1600, True)
    return {"InstanceTypes": {"InstanceType": chunk}, "NextToken": meta["NextToken"]}


# --- VPC: VPCs and VSwitches -----------------------------------------------------------------

def vpc_view(cloud, v):
    vswitches = [obj_id(s) for s in cloud.of_kind("vswitch", v["region"]) if s["VpcId"] == v["VpcId"]]
    return {"VpcId": v["VpcId"], "RegionId": v["region"], "Status": "Available", "VpcName": v["VpcName"], "CidrBlock": v["CidrBlock"],
            "IsDefault": v["IsDefault"], "CreationTime": v["CreationTime"], "ResourceGroupId": v["ResourceGroupId"], "Description": "",
            "VSwitchIds": {"VSwitchId": vswitches}, "Tags": tag_list(v, "Key", "Value")}


def describe_vpcs(cloud, params):
    region = region_of(params)
    items = [v for v in cloud.of_kind("vpc", region) if params.get("VpcId") in (None, "", v["VpcId"])]
    chunk, meta = cloud.page(params, items, 10, 50, False)
    return dict(meta, Vpcs={"Vpc": [vpc_view(cloud, v) for v in chunk]})


def describe_vswitches(cloud, params):
    region = region_of(params)
    items = [s for s in cloud.of_kind("vswitch", region)
             if params.get("VSwitchId") in (None, "", s["VSwitchId"]) and params.get("VpcId") in (None, "", s["VpcId"])
             and params.get("ZoneId") in (None, "", s["ZoneId"])]
    chunk, meta = cloud.page(params, items, 10, 50, False)
    views = [{"VSwitchId": s["VSwitchId"], "VpcId": s["VpcId"], "Status": "Available", "CidrBlock": s["CidrBlock"], "ZoneId": s["ZoneId"],
              "AvailableIpAddressCount": s["AvailableIpAddressCount"], "VSwitchName": s["VSwitchName"], "IsDefault": s["IsDefault"],
              "CreationTime": s["CreationTime"], "ResourceGroupId": s["ResourceGroupId"], "Description": "", "Tags": tag_list(s, "Key", "Value")}
             for s in chunk]
    return dict(meta, VSwitches={"VSwitch": views})


# --- security groups -------------------------------------------------------------------------

def describe_security_groups(cloud, params):
    region = region_of(params)
    ids = id_list(params, "SecurityGroupIds")
    items = [g for g in cloud.of_kind("securitygroup", region)
             if (ids is None or g["SecurityGroupId"] in ids) and params.get("VpcId") in (None, "", g["VpcId"])]
    chunk, meta = cloud.page(params, items, 10, 100, True)
    views = [{"SecurityGroupId": g["SecurityGroupId"], "SecurityGroupName": g["SecurityGroupName"], "Description": g["Description"],
              "VpcId": g["VpcId"], "CreationTime": g["CreationTime"], "SecurityGroupType": "normal", "ResourceGroupId": g["ResourceGroupId"],
              "Tags": tag_list(g, "TagKey", "TagValue")} for g in chunk]
    return dict(meta, RegionId=region, SecurityGroups={"SecurityGroup": views})


def describe_security_group_attribute(cloud, params):
    region = region_of(params)
    g = cloud.find("securitygroup", region, require(params, "SecurityGroupId"), "InvalidSecurityGroupId.NotFound")
    direction = params.get("Direction") or "all"
    permissions = [dict({"SourceCidrIp": "", "DestCidrIp": "", "SourceGroupId": "", "DestGroupId": "", "Policy": "Accept", "Priority": "1",
                         "NicType": "intranet", "CreateTime": g["CreationTime"]}, **p)
                   for p in g["Permissions"] if direction in ("all", p["Direction"])]
    return {"RegionId": region, "SecurityGroupId": g["SecurityGroupId"], "SecurityGroupName": g["SecurityGroupName"], "VpcId": g["VpcId"],
            "Description": g["Description"], "InnerAccessPolicy": "Accept", "Permissions": {"Permission": permissions}}


# --- instances -------------------------------------------------------------------------------

def instance_view(cloud, i):
    return dict(charge_fields(i, "Instance"), **{
        "InstanceId": i["InstanceId"], "InstanceName": i["InstanceName"], "HostName": i["InstanceName"], "Status": i["Status"],
        "InstanceType": i["InstanceType"], "Cpu": TYPES[i["InstanceType"]][1], "Memory": int(TYPES[i["InstanceType"]][2] * 1024),
        "ImageId": i["ImageId"], "OSType": "linux", "RegionId": i["region"], "ZoneId": i["ZoneId"], "CreationTime": i["CreationTime"][:16] + "Z",
        "InstanceNetworkType": "vpc", "KeyPairName": i.get("KeyPairName", ""), "ResourceGroupId": i["ResourceGroupId"],
        "VpcAttributes": {"VpcId": i["VpcId"], "VSwitchId": i["VSwitchId"], "PrivateIpAddress": {"IpAddress": [i["PrivateIp"]]}, "NatIpAddress": ""},
        "PublicIpAddress": {"IpAddress": []}, "EipAddress": {"AllocationId": "", "IpAddress": ""},
        "SecurityGroupIds": {"SecurityGroupId": i["SecurityGroupIds"]}, "Tags": tag_list(i, "TagKey", "TagValue"),
    })


def describe_instances(cloud, params):
    region = region_of(params)
    ids = id_list(params, "InstanceIds")
    wanted_tags = tags_from(params)
    items = [i for i in cloud.of_kind("instance", region)
             if (ids is None or i["InstanceId"] in ids) and all(i["tags"].get(k) == v for k, v in wanted_tags.items())]
    chunk, meta = cloud.page(params, items, 10, 100, True)
    return dict(meta, Instances={"Instance": [instance_view(cloud, i) for i in chunk]})


def expiry(params):
    if params.get("InstanceChargeType") != "PrePaid":
        return "PostPaid", NEVER_EXPIRES, False
    months = as_int(params, "Period", 1, 1, 60) * (12 if params.get("PeriodUnit") == "Year" else 1)
    ends = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=31 * months)
    return "PrePaid", ends.strftime("%Y-%m-%dT%H:%MZ"), params.get("AutoRenew") == "true"


def run_instances(cloud, params):
    region = region_of(params)
    token = params.get("ClientToken")
    if token and ("RunInstances", token) in cloud.tokens:
        return {"OrderId": "", "InstanceIdSets": {"InstanceIdSet": cloud.tokens[("RunInstances", token)]}}
    image, itype = require(params, "ImageId"), require(params, "InstanceType")
    if image not in IMAGES:
        raise ApiError(404, "InvalidImageId.NotFound", "The specified ImageId does not exist.")
    if itype not in TYPES:
        raise ApiError(400, "InvalidInstanceType.ValueNotSupported", "The specified InstanceType does not exist or beyond the permitted range.")
    vsw = cloud.find("vswitch", region, require(params, "VSwitchId"), "InvalidVSwitchId.NotFound")
    if params.get("ZoneId") not in (None, "", vsw["ZoneId"]):
        raise ApiError(400, "InvalidParameter.Mismatch", "The specified VSwitch is not in the specified zone.")
    group = cloud.find("securitygroup", region, require(params, "SecurityGroupId"), "InvalidSecurityGroupId.NotFound")
    if group["VpcId"] != vsw["VpcId"]:
        raise ApiError(400, "InvalidSecurityGroupId.VPCMismatch", "The specified security group and the VSwitch are not in the same VPC.")
    decode_user_data(params.get("UserData"))
    charge, expires, auto_renew = expiry(params)
    amount = as_int(params, "Amount", 1, 1, 100)
    made = []
    for _ in range(amount):
        iid = cloud.new_id("i", region)
        name = params.get("InstanceName") or iid
        inst = cloud.add("instance", region, iid, InstanceId=iid, InstanceName=name, Status="Running", InstanceType=itype, ImageId=image,
                         ZoneId=vsw["ZoneId"], VpcId=vsw["VpcId"], VSwitchId=vsw["VSwitchId"], SecurityGroupIds=[group["SecurityGroupId"]],
                         PrivateIp="172.16.%d.%d" % (len(cloud.objects) // 250, len(cloud.objects) % 250 + 2), ChargeType=charge,
                         ExpiredTime=expires, AutoRenew=auto_renew, KeyPairName=params.get("KeyPairName", ""))
        inst["tags"] = tags_from(params)
        system_size = as_int(params, "SystemDisk.Size", 40, 1, 2048)
        make_disk(cloud, region, vsw["ZoneId"], system_size, params.get("SystemDisk.Category") or "cloud_essd", "system", inst, "/dev/xvda", charge)
        sizes, categories = indexed(params, "DataDisk", "Size"), indexed(params, "DataDisk", "Category")
        for n, size in enumerate(sizes):
            category = categories[n] if n < len(categories) else "cloud_essd"
            make_disk(cloud, region, vsw["ZoneId"], int(size), category, "data", inst, "/dev/xvd" + chr(ord("b") + n), charge)
        made.append(iid)
    if token:
        cloud.tokens[("RunInstances", token)] = made
    return {"OrderId": "", "TradePrice": 0.0, "InstanceIdSets": {"InstanceIdSet": made}}


def instance(cloud, params):
    return cloud.find("instance", region_opt(params), require(params, "InstanceId"), "InvalidInstanceId.NotFound")


def incorrect_status(i):
    return ApiError(403, "IncorrectInstanceStatus", "The current status of the resource does not support this operation (%s)." % i["Status"])


def transition(want_status, to_status):
    def act(cloud, params):
        i = instance(cloud, params)
        if i["Status"] not in want_status:
            raise incorrect_status(i)
        i["Status"] = to_status
        return {}
    return act


def delete_instance(cloud, params):
    i = instance(cloud, params)
    if i["Status"] != "Stopped" and params.get("Force") != "true":
        raise incorrect_status(i)
    for d in cloud.of_kind("disk", i["region"]):
        if d.get("InstanceId") == i["InstanceId"]:
            if d["DeleteWithInstance"]:
                del cloud.objects[d["id"]]
            else:
                d.update(InstanceId="", Device="", Status="Available")
    del cloud.objects[i["id"]]
    return {}


def modify_instance_spec(cloud, params):
    i = instance(cloud, params)
    itype = require(params, "InstanceType")
    if itype not in TYPES:
        raise ApiError(400, "InvalidInstanceType.ValueNotSupported", "The specified InstanceType does not exist or beyond the permitted range.")
    if i["Status"] != "Stopped":
        raise incorrect_status(i)
    i["InstanceType"] = itype
    return {}


def describe_instance_auto_renew_attribute(cloud, params):
    region = region_of(params)
    ids = [x for x in require(params, "InstanceId").split(",") if x]
    out = []
    for iid in ids:
        i = cloud.find("instance", region, iid, "InvalidInstanceId.NotFound")
        out.append({"InstanceId": iid, "AutoRenewEnabled": i["AutoRenew"], "Duration": 1 if i["AutoRenew"] else 0, "PeriodUnit": "Month",
                    "RenewalStatus": "AutoRenewal" if i["AutoRenew"] else "Normal"})
    return {"InstanceRenewAttributes": {"InstanceRenewAttribute": out}, "TotalCount": len(out), "PageNumber": 1, "PageSize": len(out)}


# --- disks -----------------------------------------------------------------------------------

def make_disk(cloud, region, zone, size, category, kind, inst, device, charge, name=""):
    if category not in DISK_CATEGORIES:
        raise ApiError(400, "InvalidDiskCategory.ValueNotSupported", "The specified disk category is not supported.")
    did = cloud.new_id("d", region)
    disk = cloud.add("disk", region, did, DiskId=did, DiskName=name, Size=size, Category=category, Type=kind, ZoneId=zone,
                     InstanceId=inst["InstanceId"] if inst else "", Device=device, Status="In_use" if inst else "Available",
                     DeleteWithInstance=inst is not None, ChargeType=charge)
    return disk


def disk_view(d):
    return dict(charge_fields(d, "Disk"), **{
        "DiskId": d["DiskId"], "DiskName": d["DiskName"], "Size": d["Size"], "Category": d["Category"], "Type": d["Type"], "Status": d["Status"],
        "InstanceId": d["InstanceId"], "Device": d["Device"], "ZoneId": d["ZoneId"], "RegionId": d["region"], "CreationTime": d["CreationTime"],
        "DeleteWithInstance": d["DeleteWithInstance"], "Portable": d["Type"] == "data", "Encrypted": False, "ResourceGroupId": d["ResourceGroupId"],
        "Tags": tag_list(d, "TagKey", "TagValue"),
    })


def describe_disks(cloud, params):
    region = region_of(params)
    ids = id_list(params, "DiskIds")
    items = [d for d in cloud.of_kind("disk", region)
             if (ids is None or d["DiskId"] in ids) and params.get("InstanceId") in (None, "", d["InstanceId"])]
    chunk, meta = cloud.page(params, items, 10, 500, True)
    return dict(meta, Disks={"Disk": [disk_view(d) for d in chunk]})


def create_disk(cloud, params):
    region = region_of(params)
    token = params.get("ClientToken")
    if token and ("CreateDisk", token) in cloud.tokens:
        return {"DiskId": cloud.tokens[("CreateDisk", token)], "OrderId": ""}
    zone = require(params, "ZoneId")
    if zone not in REGIONS[region][2]:
        raise ApiError(404, "InvalidZoneId.NotFound", "The specified zone does not exist.")
    size = as_int(params, "Size", 0, 1, 32768)
    disk = make_disk(cloud, region, zone, size, params.get("DiskCategory") or "cloud_essd", "data", None, "", "PostPaid", params.get("DiskName", ""))
    disk["tags"] = tags_from(params)
    if token:
        cloud.tokens[("CreateDisk", token)] = disk["DiskId"]
    return {"DiskId": disk["DiskId"], "OrderId": ""}


def disk(cloud, params):
    return cloud.find("disk", region_opt(params), require(params, "DiskId"), "InvalidDiskId.NotFound")


def incorrect_disk_status(d):
    return ApiError(403, "IncorrectDiskStatus", "The current disk status does not support this operation (%s)." % d["Status"])


def attach_disk(cloud, params):
    d, i = disk(cloud, params), instance(cloud, params)
    if d["Status"] != "Available":
        raise incorrect_disk_status(d)
    if i["Status"] not in ("Running", "Stopped"):
        raise incorrect_status(i)
    if d["ZoneId"] != i["ZoneId"]:
        raise ApiError(403, "InstanceDiskNotInSameZone", "The disk and the instance are not in the same zone.")
    used = {x["Device"] for x in cloud.of_kind("disk", d["region"]) if x["InstanceId"] == i["InstanceId"]}
    device = next("/dev/xvd" + c for c in "bcdefghijklmnopqrstuvwxyz" if "/dev/xvd" + c not in used)
    d.update(InstanceId=i["InstanceId"], Device=device, Status="In_use", DeleteWithInstance=params.get("DeleteWithInstance") == "true")
    return {}


def detach_disk(cloud, params):
    d, i = disk(cloud, params), instance(cloud, params)
    if d["InstanceId"] != i["InstanceId"] or d["Type"] == "system":
        raise incorrect_disk_status(d)
    d.update(InstanceId="", Device="", Status="Available")
    return {}


def resize_disk(cloud, params):
    d = disk(cloud, params)
    size = as_int(params, "NewSize", 0, 1, 32768)
    if size <= d["Size"]:
        raise ApiError(400, "InvalidDiskSize.TooSmall", "The new size must be larger than the current size.")
    d["Size"] = size
    return {}


def delete_disk(cloud, params):
    d = disk(cloud, params)
    if d["Status"] != "Available":
        raise incorrect_disk_status(d)
    del cloud.objects[d["id"]]
    return {}


# --- tags ------------------------------------------------------------------------------------

ECS_TAG_TYPES = {"instance": "instance", "disk": "disk", "securitygroup": "securitygroup"}
VPC_TAG_TYPES = {"VPC": "vpc", "VSWITCH": "vswitch"}


def tag_targets(cloud, params, types):
    region = region_of(params)
    rtype = require(params, "ResourceType")
    if rtype not in types:
        raise ApiError(400, "InvalidResourceType.NotFound", "The specified ResourceType is not supported.")
    ids = indexed(params, "ResourceId", None)
    if not ids:
        raise ApiError(400, "MissingParameter", "ResourceId.N is mandatory for this action.")
    return rtype, [cloud.find(types[rtype], region, rid, "InvalidResourceId.NotFound") for rid in ids]


def tag_actions(types):
    def tag(cloud, params):
        _, targets = tag_targets(cloud, params, types)
        for t in targets:
            t["tags"].update(tags_from(params))
        return {}

    def untag(cloud, params):
        _, targets = tag_targets(cloud, params, types)
        keys = indexed(params, "TagKey", None)
        for t in targets:
            for k in list(t["tags"]):
                if params.get("All") == "true" or k in keys:
                    del t["tags"][k]
        return {}

    def list_tags(cloud, params):
        rtype, targets = tag_targets(cloud, params, types)
        rows = [{"ResourceType": rtype, "ResourceId": obj_id(t), "TagKey": k, "TagValue": v} for t in targets for k, v in sorted(t["tags"].items())]
        chunk, meta = cloud.page(dict(params, MaxResults=params.get("MaxResults") or "50"), rows, 50, 1000, True)
        return {"NextToken": meta["NextToken"], "TagResources": {"TagResource": chunk}}

    return tag, untag, list_tags


ECS = "2014-05-26"
VPC = "2016-04-28"
ecs_tag, ecs_untag, ecs_list_tags = tag_actions(ECS_TAG_TYPES)
vpc_tag, vpc_untag, vpc_list_tags = tag_actions(VPC_TAG_TYPES)

RPC_ACTIONS = {
    (ECS, "DescribeRegions"): describe_regions,
    (ECS, "DescribeZones"): describe_zones,
    (ECS, "DescribeInstanceTypes"): describe_instance_types,
    (ECS, "DescribeSecurityGroups"): describe_security_groups,
    (ECS, "DescribeSecurityGroupAttribute"): describe_security_group_attribute,
    (ECS, "DescribeInstances"): describe_instances,
    (ECS, "RunInstances"): run_instances,
    (ECS, "StartInstance"): transition(("Stopped",), "Running"),
    (ECS, "StopInstance"): transition(("Running",), "Stopped"),
    (ECS, "RebootInstance"): transition(("Running",), "Running"),
    (ECS, "DeleteInstance"): delete_instance,
    (ECS, "ModifyInstanceSpec"): modify_instance_spec,
    (ECS, "DescribeInstanceAutoRenewAttribute"): describe_instance_auto_renew_attribute,
    (ECS, "DescribeDisks"): describe_disks,
    (ECS, "CreateDisk"): create_disk,
    (ECS, "AttachDisk"): attach_disk,
    (ECS, "DetachDisk"): detach_disk,
    (ECS, "ResizeDisk"): resize_disk,
    (ECS, "DeleteDisk"): delete_disk,
    (ECS, "TagResources"): ecs_tag,
    (ECS, "UntagResources"): ecs_untag,
    (ECS, "ListTagResources"): ecs_list_tags,
    (VPC, "DescribeVpcs"): describe_vpcs,
    (VPC, "DescribeVSwitches"): describe_vswitches,
    (VPC, "TagResources"): vpc_tag,
    (VPC, "UntagResources"): vpc_untag,
    (VPC, "ListTagResources"): vpc_list_tags,
}
