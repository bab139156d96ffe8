"""Signs requests with Aliyun's official Python code, as an oracle for the Rust signer.

Reads {"access_key_id", "secret", "cases": [...]} as JSON on stdin and writes one answer per
case as JSON on stdout. Never echoes its input (it holds a secret).

* rpc:  aliyun-python-sdk-core's RPC composer and alibabacloud-openapi-util's
        get_rpcsignature, two official implementations of signature v1; both answers returned.
* acs3: alibabacloud-openapi-util's get_authorization (signature v3, ACS3-HMAC-SHA256).
* roa:  alibabacloud-openapi-util's get_string_to_sign + get_roasignature, and
        aliyun-python-sdk-core's ROA composer.
"""
import json
import sys
from types import SimpleNamespace

from aliyunsdkcore.auth.composer import rpc_signature_composer, roa_signature_composer
from aliyunsdkcore.auth.algorithm import sha_hmac1
from alibabacloud_openapi_util.client import Client as OpenApiUtil

# Module-level names with two leading underscores: reached with getattr, as Python mangles
# them only inside classes.
_rpc_string_to_sign = getattr(rpc_signature_composer, "__compose_string_to_sign")
_rpc_sign = getattr(rpc_signature_composer, "__get_signature")


def rpc(case, ak, secret):
    params = dict(case["params"])
    core = _rpc_sign(_rpc_string_to_sign(case["method"], dict(params)), secret)
    util = OpenApiUtil.get_rpcsignature(dict(params), case["method"], secret)
    return {"core": core, "openapi_util": util}


def acs3(case, ak, secret):
    request = SimpleNamespace(
        method=case["method"],
        pathname=case["path"],
        query=dict(case["query"]),
        headers=dict(case["headers"]),
    )
    return {"openapi_util": OpenApiUtil.get_authorization(request, "ACS3-HMAC-SHA256", case["payload_sha256"], ak, secret)}


def roa(case, ak, secret):
    headers = {k.lower(): v for k, v in case["headers"]}
    request = SimpleNamespace(method=case["method"], pathname=case["path"], query=dict(case["query"]), headers=headers)
    util = "acs %s:%s" % (ak, OpenApiUtil.get_roasignature(OpenApiUtil.get_string_to_sign(request), secret))
    core_headers = {"Accept": headers.get("accept"), "Content-MD5": headers.get("content-md5"),
                    "Content-Type": headers.get("content-type"), "Date": headers.get("date")}
    core_headers.update({k: v for k, v in headers.items() if k.startswith("x-acs-")})
    string_to_sign = roa_signature_composer.compose_string_to_sign(
        method=case["method"], queries=dict(case["query"]), uri_pattern=case["path"], headers=core_headers, paths=None)
    core = "acs %s:%s" % (ak, sha_hmac1.get_sign_string(string_to_sign, secret))
    return {"openapi_util": util, "core": core}


def main():
    request = json.load(sys.stdin)
    ak, secret = request["access_key_id"], request["secret"]
    schemes = {"rpc": rpc, "acs3": acs3, "roa": roa}
    answers = [schemes[case["scheme"]](case, ak, secret) for case in request["cases"]]
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main()
