"""Signs requests with QingCloud's official Python SDK (qingcloud-sdk), as an oracle for the
Rust signer.

Reads {"access_key_id", "secret", "cases": [{"method", "params"}]} as JSON on stdin and writes
one answer per case as JSON on stdout: the SDK's canonical query and its base64 signature, from
QuerySignatureAuthHandler._calc_signature, the code the SDK signs every IaaS request with.
Never echoes its input (it holds a secret).
"""
import json
import sys

from qingcloud.conn.auth import QuerySignatureAuthHandler


def sign(handler, case):
    params = dict(case["params"])
    # _calc_signature sets signature_method itself (HmacSHA256) before signing.
    query, signature = handler._calc_signature(params, case["method"], "/iaas/")
    if isinstance(signature, bytes):
        signature = signature.decode("ascii")
    return {"query": query, "signature": signature}


def main():
    request = json.load(sys.stdin)
    handler = QuerySignatureAuthHandler("api.qingcloud.com", request["access_key_id"], request["secret"])
    json.dump([sign(handler, case) for case in request["cases"]], sys.stdout)


if __name__ == "__main__":
    main()
