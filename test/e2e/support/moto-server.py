"""moto's server, with two of AWS's rules for web-identity calls that moto lacks.

AssumeRoleWithWebIdentity is an unsigned call: AWS takes no credentials for it, but moto with
its IAM checks on fails any request without an Authorization header. And a regional STS
endpoint names its region in the host name; at 127.0.0.1 moto cannot tell, and would file the
session under us-east-1's partition. KEYLESS_E2E_UNSIGNED_REGION names the region instead.
Everything else is moto's own: `python3 moto-server.py -H 127.0.0.1 -p <port>`.
"""
import os
import sys

from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.responses import BaseResponse
from moto.server import main

UNSIGNED_ACTIONS = {"AssumeRoleWithWebIdentity"}
_authenticate = ActionAuthenticatorMixin._authenticate_and_authorize_action


def _authenticate_unless_unsigned(self, iam_request_cls, resource="*"):
    if "Authorization" not in self.headers and self._get_action() in UNSIGNED_ACTIONS:
        return None
    return _authenticate(self, iam_request_cls, resource)


ActionAuthenticatorMixin._authenticate_and_authorize_action = _authenticate_unless_unsigned
BaseResponse.default_region = os.environ.get("KEYLESS_E2E_UNSIGNED_REGION", BaseResponse.default_region)

if __name__ == "__main__":
    main(sys.argv[1:])
