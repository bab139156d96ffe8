"""The write side of the QingCloud replay server: instance, volume and tag actions, and jobs.

QingCloud accepts a write by answering a `job_id` and does the work afterwards: the objects show
a `transition_status` (creating, starting, stopping, attaching, ...) until the job ends, then
their new status. Here a job ends `delay` seconds after it was accepted (see Jobs.delay); jobs
due are settled before every call is answered, so no timer thread touches the state.

Each action takes (state, zone, params) under the server's lock and returns the answer's body
without `action`/`ret_code`; `state` is the server's STATE dict (objects, jobs, tags).
"""
import time
import uuid


class ApiError(Exception):
    """QingCloud's error answer: HTTP 200 with {"ret_code": n, "message": ...}."""

    def __init__(self, ret_code, message):
        super().__init__(message)
        self.ret_code = ret_code
        self.message = message

# Instance sizes QingCloud's instance types stand for (cpu, memory MiB).
INSTANCE_SIZES = {"c1m1": (1, 1024), "c2m4": (2, 4096), "c4m8": (4, 8192)}


class Jobs:
    """Accepted jobs; each ends `delay` seconds after it was accepted."""
    delay = 0.2


def new_id(prefix):
    return prefix + uuid.uuid4().hex[:8]


def numbered(params, name):
    values = []
    n = 1
    while "%s.%d" % (name, n) in params:
        values.append(params["%s.%d" % (name, n)])
        n += 1
    return values


def required(params, name):
    value = params.get(name, "")
    if value == "":
        raise ApiError(1100, "MissingParameter, %s" % name)
    return value


def as_int(params, name, default=None):
    raw = params.get(name)
    if raw in (None, ""):
        if default is None:
            raise ApiError(1100, "MissingParameter, %s" % name)
        return default
    try:
        return int(raw)
    except ValueError:
        raise ApiError(1100, "InvalidParameterValue, %s [%s]" % (name, raw))


def find(state, kind, zone, ids, id_field):
    """The objects of `kind` in `zone` with `ids`, or QingCloud's 2100 for the first missing one."""
    found = []
    for wanted in ids:
        match = [o["object"] for o in state["objects"] if o["kind"] == kind and o["zone"] == zone and o["object"][id_field] == wanted
                 and o["object"].get("status") not in ("ceased", "deleted")]
        if not match:
            raise ApiError(2100, "ResourceNotFound, resource [%s] not found" % wanted)
        found.append(match[0])
    return found


def busy(obj, id_field):
    if obj.get("transition_status"):
        raise ApiError(1400, "PermissionDenied, resource [%s] is in transition [%s]" % (obj[id_field], obj["transition_status"]))


def wrong_status(obj, id_field, allowed):
    busy(obj, id_field)
    if obj.get("status") not in allowed:
        raise ApiError(1400, "PermissionDenied, resource [%s] status [%s] is not one of %s" % (obj[id_field], obj.get("status"), allowed))


def start_job(state, zone, action, objects, transition, finish):
    """Accept a job: put `objects` in `transition` now, call `finish(obj)` on each when it ends."""
    job_id = new_id("j-")
    for obj in objects:
        obj["transition_status"] = transition
    state["jobs"].append({
        "job": {"job_id": job_id, "job_action": action, "status": "working", "zone_id": zone,
                "resource_ids": ",".join(o.get("instance_id") or o.get("volume_id") for o in objects),
                "create_time": now_text(), "status_time": now_text()},
        "due": time.monotonic() + Jobs.delay, "objects": objects, "finish": finish,
    })
    return job_id


def settle(state):
    """End every job that is due: apply its result and mark it successful."""
    now = time.monotonic()
    for job in state["jobs"]:
        if job["job"]["status"] != "working" or job["due"] > now:
            continue
        for obj in job["objects"]:
            obj["transition_status"] = ""
            job["finish"](obj)
        job["job"].update(status="successful", status_time=now_text())


def now_text():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def set_to(**fields):
    return lambda obj: obj.update(fields)


# --- instances -------------------------------------------------------------------------------

def instance_size(params):
    kind = params.get("instance_type", "")
    if kind:
        if kind not in INSTANCE_SIZES:
            raise ApiError(1100, "InvalidParameterValue, instance_type [%s]" % kind)
        return kind, INSTANCE_SIZES[kind]
    cpu, memory = as_int(params, "cpu"), as_int(params, "memory")
    named = [k for k, size in INSTANCE_SIZES.items() if size == (cpu, memory)]
    return (named[0] if named else "c%dm%d" % (cpu, memory // 1024)), (cpu, memory)


def run_instances(state, zone, params):
    image = required(params, "image_id")
    kind, (cpu, memory) = instance_size(params)
    count = as_int(params, "count", 1)
    if params.get("login_mode") not in ("keypair", "passwd"):
        raise ApiError(1100, "InvalidParameterValue, login_mode")
    vxnets = numbered(params, "vxnets")
    created = []
    for _ in range(count):
        obj = {"instance_id": new_id("i-"), "instance_name": params.get("instance_name", ""), "instance_type": kind,
               "vcpus_current": cpu, "memory_current": memory, "status": "pending", "image": {"image_id": image},
               "vxnets": [{"vxnet_id": v, "private_ip": ""} for v in vxnets], "create_time": now_text(), "tags": [],
               "security_group": {"security_group_id": params.get("security_group", "")}}
        state["objects"].append({"kind": "instance", "zone": zone, "object": obj})
        created.append(obj)
    job_id = start_job(state, zone, "RunInstances", created, "creating", set_to(status="running"))
    return {"instances": [o["instance_id"] for o in created], "job_id": job_id}


def instance_action(action, allowed, transition, finish):
    def act(state, zone, params):
        ids = numbered(params, "instances")
        if not ids:
            raise ApiError(1100, "MissingParameter, instances")
        objs = find(state, "instance", zone, ids, "instance_id")
        for obj in objs:
            wrong_status(obj, "instance_id", allowed)
        return {"job_id": start_job(state, zone, action, objs, transition, finish)}
    return act


def terminate_finished(state):
    def finish(obj):
        obj["status"] = "terminated"
        # Volumes attached to a terminated instance are detached, as QingCloud does.
        for v in [o["object"] for o in state["objects"] if o["kind"] == "volume"]:
            if (v.get("instance") or {}).get("instance_id") == obj["instance_id"]:
                v.update(status="available", instance={})
    return finish


def terminate_instances(state, zone, params):
    return instance_action("TerminateInstances", ("pending", "running", "stopped", "suspended"), "terminating", terminate_finished(state))(state, zone, params)


def resize_instances(state, zone, params):
    kind, (cpu, memory) = instance_size(params)
    return instance_action("ResizeInstances", ("stopped",), "resizing",
                           set_to(instance_type=kind, vcpus_current=cpu, memory_current=memory))(state, zone, params)


# --- volumes ---------------------------------------------------------------------------------

def create_volumes(state, zone, params):
    size = as_int(params, "size")
    if size < 10 or size % 10:
        raise ApiError(1100, "InvalidParameterValue, size [%d] must be a multiple of 10, at least 10" % size)
    count = as_int(params, "count", 1)
    created = []
    for _ in range(count):
        obj = {"volume_id": new_id("vol-"), "volume_name": params.get("volume_name", ""), "size": size,
               "volume_type": as_int(params, "volume_type", 0), "status": "pending", "instance": {}, "create_time": now_text(), "tags": []}
        state["objects"].append({"kind": "volume", "zone": zone, "object": obj})
        created.append(obj)
    job_id = start_job(state, zone, "CreateVolumes", created, "creating", set_to(status="available"))
    return {"volumes": [o["volume_id"] for o in created], "job_id": job_id}


def volumes_of(state, zone, params):
    ids = numbered(params, "volumes")
    if not ids:
        raise ApiError(1100, "MissingParameter, volumes")
    return find(state, "volume", zone, ids, "volume_id")


def attach_volumes(state, zone, params):
    vols = volumes_of(state, zone, params)
    instance = find(state, "instance", zone, [required(params, "instance")], "instance_id")[0]
    wrong_status(instance, "instance_id", ("running", "stopped"))
    for v in vols:
        wrong_status(v, "volume_id", ("available",))
    taken = [(o["object"].get("instance") or {}).get("device") for o in state["objects"] if o["kind"] == "volume"
             and (o["object"].get("instance") or {}).get("instance_id") == instance["instance_id"]]
    devices = ["/dev/sd%s" % letter for letter in "bcdefghijklmnop" if "/dev/sd%s" % letter not in taken]

    def finish(v):
        v.update(status="in-use", instance={"instance_id": instance["instance_id"], "device": devices.pop(0)})
    return {"job_id": start_job(state, zone, "AttachVolumes", vols, "attaching", finish)}


def detach_volumes(state, zone, params):
    vols = volumes_of(state, zone, params)
    instance_id = required(params, "instance")
    for v in vols:
        wrong_status(v, "volume_id", ("in-use",))
        if (v.get("instance") or {}).get("instance_id") != instance_id:
            raise ApiError(1400, "PermissionDenied, volume [%s] is not attached to [%s]" % (v["volume_id"], instance_id))
    return {"job_id": start_job(state, zone, "DetachVolumes", vols, "detaching", set_to(status="available", instance={}))}


def delete_volumes(state, zone, params):
    vols = volumes_of(state, zone, params)
    for v in vols:
        wrong_status(v, "volume_id", ("available",))
    return {"job_id": start_job(state, zone, "DeleteVolumes", vols, "deleting", set_to(status="deleted"))}


def resize_volumes(state, zone, params):
    vols = volumes_of(state, zone, params)
    size = as_int(params, "size")
    for v in vols:
        wrong_status(v, "volume_id", ("available",))
        if size <= v["size"] or size % 10:
            raise ApiError(1100, "InvalidParameterValue, size [%d] must be larger than [%d], a multiple of 10" % (size, v["size"]))
    return {"job_id": start_job(state, zone, "ResizeVolumes", vols, "resizing", set_to(size=size))}


# --- tags and jobs ---------------------------------------------------------------------------

def create_tag(state, zone, params):
    name = required(params, "tag_name")
    if any(t["tag_name"] == name for t in state["tags"]):
        raise ApiError(1100, "InvalidParameterValue, tag name [%s] already exists" % name)
    tag = {"tag_id": new_id("tag-"), "tag_name": name, "description": params.get("description", ""), "color": "#9f9bb7",
           "create_time": now_text()}
    if params.get("tag_key"):
        tag.update(tag_key=params["tag_key"], tag_value=params.get("tag_value", ""))
    state["tags"].append(tag)
    return {"tag_id": tag["tag_id"]}


def describe_tags(state, zone, params, page):
    wanted = numbered(params, "tags")
    word = params.get("search_word", "")
    tags = [t for t in state["tags"] if (not wanted or t["tag_id"] in wanted) and word in t["tag_name"]]
    views = []
    for t in tags:
        pairs = [{"resource_id": o["object"].get("instance_id") or o["object"].get("volume_id"), "resource_type": o["kind"]}
                 for o in state["objects"] if any(x["tag_id"] == t["tag_id"] for x in o["object"].get("tags", []))]
        views.append(dict(t, resource_count=len(pairs), resource_tag_pairs=pairs))
    return page(params, views, "tag_set")


def tag_pairs(state, params):
    pairs = []
    n = 1
    while "resource_tag_pairs.%d.tag_id" % n in params:
        tag_id = params["resource_tag_pairs.%d.tag_id" % n]
        rtype = params.get("resource_tag_pairs.%d.resource_type" % n, "")
        rid = params.get("resource_tag_pairs.%d.resource_id" % n, "")
        tag = [t for t in state["tags"] if t["tag_id"] == tag_id]
        if not tag:
            raise ApiError(2100, "ResourceNotFound, tag [%s] not found" % tag_id)
        id_field = {"instance": "instance_id", "volume": "volume_id"}.get(rtype)
        if id_field is None:
            raise ApiError(1100, "InvalidParameterValue, resource_type [%s]" % rtype)
        objs = [o["object"] for o in state["objects"] if o["kind"] == rtype and o["object"][id_field] == rid]
        if not objs:
            raise ApiError(2100, "ResourceNotFound, resource [%s] not found" % rid)
        pairs.append((tag[0], objs[0]))
        n += 1
    if not pairs:
        raise ApiError(1100, "MissingParameter, resource_tag_pairs")
    return pairs


def attach_tags(state, zone, params):
    for tag, obj in tag_pairs(state, params):
        if not any(t["tag_id"] == tag["tag_id"] for t in obj["tags"]):
            obj["tags"].append({k: tag[k] for k in ("tag_id", "tag_name", "color", "tag_key", "tag_value") if k in tag})
    return {}


def detach_tags(state, zone, params):
    for tag, obj in tag_pairs(state, params):
        obj["tags"] = [t for t in obj["tags"] if t["tag_id"] != tag["tag_id"]]
    return {}


def describe_jobs(state, zone, params, page):
    wanted = numbered(params, "jobs")
    statuses = numbered(params, "status")
    action = params.get("job_action", "")
    jobs = [j["job"] for j in state["jobs"] if (not wanted or j["job"]["job_id"] in wanted)
            and (not statuses or j["job"]["status"] in statuses) and (not action or j["job"]["job_action"] == action)]
    return page(params, [dict(j) for j in jobs], "job_set")


WRITES = {
    "RunInstances": run_instances,
    "StartInstances": instance_action("StartInstances", ("stopped",), "starting", set_to(status="running")),
    "StopInstances": instance_action("StopInstances", ("running",), "stopping", set_to(status="stopped")),
    "RestartInstances": instance_action("RestartInstances", ("running",), "restarting", set_to(status="running")),
    "TerminateInstances": terminate_instances,
    "ResizeInstances": resize_instances,
    "CreateVolumes": create_volumes,
    "AttachVolumes": attach_volumes,
    "DetachVolumes": detach_volumes,
    "DeleteVolumes": delete_volumes,
    "ResizeVolumes": resize_volumes,
    "CreateTag": create_tag,
    "AttachTags": attach_tags,
    "DetachTags": detach_tags,
}
# Listings that take the server's `page` helper.
PAGED = {"DescribeTags": describe_tags, "DescribeJobs": describe_jobs}
