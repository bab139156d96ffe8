"""Builds and changes an AWS estate in moto out of band, with boto3, and reports what boto3 sees.

Usage: estate.py ENDPOINT build|change|inventory   (a JSON request on stdin, a JSON answer on stdout)

  build      {"instances": {"us-east-1": 140, ...}, "volumes": 10, "elasticsearch": "us-east-1"}
  change     {"ops": [{"op": "terminate", "region": R, "ids": [...]},
                      {"op": "launch", "region": R, "count": N},
                      {"op": "stop", "region": R, "ids": [...]},
                      {"op": "retag", "region": R, "id": ID, "tags": {...}},
                      {"op": "resize", "region": R, "id": VOL, "size": GB},
                      {"op": "delete_volume", "region": R, "id": VOL}]}
  inventory  {"regions": [...]}

Every answer carries "inventory": per region, the external ids of every kind Strato syncs, as
boto3 reports them, plus tags, names, volume sizes and attachments. One process does all the
calls of a step (starting Python and boto3 per call would dominate the test's time).
"""

import json
import sys

import boto3

# An x86_64 EBS image in moto 5's bundled catalogue of every region.
KNOWN_IMAGE = "ami-03cf127a"
LIVE_STATES = ["pending", "running", "shutting-down", "stopping", "stopped"]


class Estate:
    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.clients = {}
        self.images = {}

    def client(self, service, region):
        key = (service, region)
        if key not in self.clients:
            self.clients[key] = boto3.client(
                service,
                region_name=region,
                endpoint_url=self.endpoint,
                # the key Strato's account uses too (moto maps both to its default account)
                aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                aws_secret_access_key="testing",
            )
        return self.clients[key]

    def ec2(self, region):
        return self.client("ec2", region)

    def image(self, region):
        # AMI validation is on in MotoServer: use an image moto knows in that region.
        if region not in self.images:
            # Moto's catalogue (~1,200 images) takes seconds to answer or filter, so try an image
            # of its bundled catalogue by id first, and search only when this moto lacks it.
            ec2 = self.ec2(region)
            try:
                images = ec2.describe_images(ImageIds=[KNOWN_IMAGE])["Images"]
            except ec2.exceptions.ClientError:
                images = []
            if not images:
                images = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "architecture", "Values": ["x86_64"]}])["Images"]
            self.images[region] = sorted(i["ImageId"] for i in images)[0]
        return self.images[region]

    def launch(self, region, subnet, group, name, tags):
        pairs = [{"Key": "Name", "Value": name}] + [{"Key": k, "Value": v} for k, v in tags.items()]
        # MinCount=MaxCount=1: one reservation per instance, so DescribeInstances pages by them.
        out = self.ec2(region).run_instances(
            ImageId=self.image(region),
            InstanceType="t3.micro",
            MinCount=1,
            MaxCount=1,
            SubnetId=subnet["SubnetId"],
            SecurityGroupIds=[group],
            TagSpecifications=[{"ResourceType": "instance", "Tags": pairs}],
        )
        return out["Instances"][0]

    def build(self, req):
        made = {}
        for r_index, (region, count) in enumerate(sorted(req["instances"].items())):
            ec2 = self.ec2(region)
            zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
            subnets, groups = [], []
            for v in range(2):
                vpc = ec2.create_vpc(CidrBlock=f"10.{10 * r_index + v}.0.0/16")["Vpc"]["VpcId"]
                ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": f"vpc-{region}-{v}"}, {"Key": "env", "Value": "test"}])
                vpc_subnets = []
                for s in range(2):
                    sub = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{10 * r_index + v}.{s}.0/24", AvailabilityZone=zones[s])["Subnet"]
                    ec2.create_tags(Resources=[sub["SubnetId"]], Tags=[{"Key": "Name", "Value": f"net-{region}-{v}-{s}"}, {"Key": "tier", "Value": "web" if s == 0 else "db"}])
                    vpc_subnets.append(sub)
                group = ec2.create_security_group(GroupName=f"sg-{v}", Description=f"group {v}", VpcId=vpc)["GroupId"]
                ec2.create_tags(Resources=[group], Tags=[{"Key": "owner", "Value": "ops"}])
                ec2.authorize_security_group_ingress(
                    GroupId=group,
                    IpPermissions=[
                        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "ssh"}]},
                        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
                        {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "UserIdGroupPairs": [{"GroupId": group}]},
                    ],
                )
                subnets.extend(vpc_subnets)
                groups.extend([group, group])
            instances = []
            for i in range(count):
                tags = {"team": "blue"} if i % 10 == 0 else {}
                instances.append(self.launch(region, subnets[i % len(subnets)], groups[i % len(groups)], f"vm-{region}-{i:03}", tags))
            # data volumes: the even ones attached to the first instances, the odd ones detached
            volumes = []
            for v in range(req.get("volumes", 0)):
                inst = instances[v]
                zone = inst["Placement"]["AvailabilityZone"]
                vol = ec2.create_volume(
                    AvailabilityZone=zone,
                    Size=8 + v,
                    TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": f"data-{region}-{v}"}, {"Key": "backup", "Value": "daily"}]}],
                )["VolumeId"]
                if v % 2 == 0:
                    ec2.attach_volume(VolumeId=vol, InstanceId=inst["InstanceId"], Device="/dev/sdf")
                volumes.append(vol)
            made[region] = {"instances": [i["InstanceId"] for i in instances], "volumes": volumes}
        es_region = req.get("elasticsearch")
        if es_region:
            os_ = self.client("opensearch", es_region)
            arn = os_.create_domain(
                DomainName="logs",
                EngineVersion="OpenSearch_2.11",
                ClusterConfig={"InstanceType": "t3.small.search", "InstanceCount": 1},
                EBSOptions={"EBSEnabled": True, "VolumeSize": 10},
            )["DomainStatus"]["ARN"]
            os_.add_tags(ARN=arn, TagList=[{"Key": "env", "Value": "test"}])
        return {"made": made, "inventory": self.inventory(sorted(req["instances"]))}

    def change(self, req):
        launched = []
        regions = set()
        for op in req["ops"]:
            region = op["region"]
            regions.add(region)
            ec2 = self.ec2(region)
            kind = op["op"]
            if kind == "terminate":
                ec2.terminate_instances(InstanceIds=op["ids"])
            elif kind == "launch":
                subnets = sorted(ec2.describe_subnets(Filters=[{"Name": "tag:tier", "Values": ["web"]}])["Subnets"], key=lambda s: s["SubnetId"])
                for n in range(op["count"]):
                    sub = subnets[n % len(subnets)]
                    group = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [sub["VpcId"]]}, {"Name": "group-name", "Values": ["sg-0", "sg-1"]}])["SecurityGroups"][0]["GroupId"]
                    launched.append(self.launch(region, sub, group, f"new-{region}-{n}", {"wave": "2"})["InstanceId"])
            elif kind == "stop":
                ec2.stop_instances(InstanceIds=op["ids"])
            elif kind == "retag":
                ec2.create_tags(Resources=[op["id"]], Tags=[{"Key": k, "Value": v} for k, v in op["tags"].items()])
            elif kind == "resize":
                ec2.modify_volume(VolumeId=op["id"], Size=op["size"])
            elif kind == "delete_volume":
                ec2.delete_volume(VolumeId=op["id"])
            else:
                raise ValueError(f"unknown op {kind}")
        return {"launched": launched, "inventory": self.inventory(sorted(req.get("regions", regions)))}

    def inventory(self, regions):
        out = {}
        for region in regions:
            ec2 = self.ec2(region)
            tags, names = {}, {}

            def note(rid, pairs):
                for t in pairs or []:
                    if t["Key"] == "Name":
                        names[rid] = t["Value"]
                    else:
                        tags.setdefault(rid, {})[t["Key"]] = t["Value"]

            # the driver's zone external id is the zone id (use1-az6), not the name (us-east-1a)
            zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
            vpcs = []
            for v in ec2.describe_vpcs()["Vpcs"]:
                vpcs.append(v["VpcId"])
                note(v["VpcId"], v.get("Tags"))
            networks, network_zones = [], {}
            for s in ec2.describe_subnets()["Subnets"]:
                networks.append(s["SubnetId"])
                network_zones[s["SubnetId"]] = s["AvailabilityZone"]
                note(s["SubnetId"], s.get("Tags"))
            secgroups, rules = [], {}
            for g in ec2.describe_security_groups()["SecurityGroups"]:
                secgroups.append(g["GroupId"])
                note(g["GroupId"], g.get("Tags"))
                rules[g["GroupId"]] = sum(
                    len(p.get("IpRanges", [])) + len(p.get("Ipv6Ranges", [])) + len(p.get("UserIdGroupPairs", []))
                    for p in g.get("IpPermissions", []) + g.get("IpPermissionsEgress", [])
                )
            disks, sizes, attached, disk_zones = [], {}, {}, {}
            for page in ec2.get_paginator("describe_volumes").paginate():
                for v in page["Volumes"]:
                    disks.append(v["VolumeId"])
                    sizes[v["VolumeId"]] = v["Size"]
                    disk_zones[v["VolumeId"]] = v["AvailabilityZone"]
                    note(v["VolumeId"], v.get("Tags"))
                    for a in v.get("Attachments", []):
                        if a.get("State") != "detached":
                            attached[v["VolumeId"]] = a["InstanceId"]
            servers, server_zones = [], {}
            pages = ec2.get_paginator("describe_instances").paginate(Filters=[{"Name": "instance-state-name", "Values": LIVE_STATES}])
            for page in pages:
                for r in page["Reservations"]:
                    for i in r["Instances"]:
                        servers.append(i["InstanceId"])
                        server_zones[i["InstanceId"]] = i["Placement"]["AvailabilityZone"]
                        note(i["InstanceId"], i.get("Tags"))
            os_ = self.client("opensearch", region)
            names_ = [d["DomainName"] for d in os_.list_domain_names()["DomainNames"]]
            elasticsearches = []
            if names_:
                for d in os_.describe_domains(DomainNames=names_)["DomainStatusList"]:
                    elasticsearches.append(d["ARN"])
                    tags[d["ARN"]] = {t["Key"]: t["Value"] for t in os_.list_tags(ARN=d["ARN"])["TagList"]}
            out[region] = {
                "zones": zones,
                "vpcs": vpcs,
                "networks": networks,
                "secgroups": secgroups,
                "disks": disks,
                "servers": servers,
                "elasticsearches": elasticsearches,
                "tags": tags,
                "names": names,
                "rules": rules,
                "sizes": sizes,
                "attached": attached,
                "network_zones": network_zones,
                "disk_zones": disk_zones,
                "server_zones": server_zones,
            }
        return out


def main():
    endpoint, command = sys.argv[1], sys.argv[2]
    req = json.load(sys.stdin)
    estate = Estate(endpoint)
    if command == "build":
        out = estate.build(req)
    elif command == "change":
        out = estate.change(req)
    elif command == "inventory":
        out = {"inventory": estate.inventory(req["regions"])}
    else:
        raise SystemExit(f"unknown command {command}")
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
