"""The admin API's sign-in on the local runtime: the same Cognito user pool the stack creates, on moto.

moto's cognito-idp signs RS256 tokens with the pool's key and serves the pool's JWKS at
``<endpoint>/<pool id>/.well-known/jwks.json`` (its tokens name the real AWS issuer URL, so the local authorizer is
told where the JWKS is). ``token(user_id)`` signs a person in with ``ADMIN_USER_PASSWORD_AUTH`` (creating the user on
first use, as an admin would invite them), exactly the access token a console sign-in gets on AWS.

moto does not serve the hosted domain's ``/oauth2/token`` (the client-credentials grant of product services):
the pool and its machine client exist here as in the stack, but no local token is issued for it (README).
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from typing import Any

from notify_core.domain.admin_api import OPERATORS_GROUP
from notify_infra import wiring

POOL_NAME = "notify"
USER_CLIENT = "console"  # people: the console, the CLI
SERVICE_CLIENT = "product-services"  # client credentials, scopes of the resource server


@dataclass(frozen=True)
class UserPool:
    pool_id: str
    user_client_id: str
    service_client_id: str
    region: str
    endpoint_url: str

    @property
    def issuer(self) -> str:
        # What moto (and Cognito) put in ``iss``: the authorizer checks it as API Gateway does.
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.pool_id}"

    @property
    def jwks_url(self) -> str:
        return f"{self.endpoint_url}/{self.pool_id}/.well-known/jwks.json"

    @property
    def audiences(self) -> tuple[str, ...]:
        return (self.user_client_id, self.service_client_id)


def create_user_pool(region: str, endpoint_url: str) -> UserPool:
    """The pool, its resource server (scopes) and the two app clients, as ``constructs.admin_api`` makes them."""
    import boto3

    idp = boto3.client("cognito-idp")
    pool_id = idp.create_user_pool(PoolName=POOL_NAME)["UserPool"]["Id"]
    api = wiring.HTTP_API
    idp.create_resource_server(
        UserPoolId=pool_id,
        Identifier=api.resource_server,
        Name=api.resource_server,
        Scopes=[{"ScopeName": s, "ScopeDescription": s} for s in api.scopes],
    )
    user_client = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=USER_CLIENT,
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    idp.create_group(UserPoolId=pool_id, GroupName=OPERATORS_GROUP, Description="may create orgs")
    service_client = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=SERVICE_CLIENT,
        GenerateSecret=True,
        AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthScopes=[f"{api.resource_server}/{s}" for s in api.scopes],
        AllowedOAuthFlowsUserPoolClient=True,
    )["UserPoolClient"]["ClientId"]
    return UserPool(pool_id, user_client, service_client, region, endpoint_url)


def find_user_pool(region: str, endpoint_url: str) -> UserPool:
    """The pool of a running local runtime (another process: ``notify local token``)."""
    import boto3

    idp = boto3.client("cognito-idp", endpoint_url=endpoint_url, region_name=region)
    pools = [p for p in idp.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == POOL_NAME]
    if not pools:
        raise LookupError(f"no user pool {POOL_NAME!r} at {endpoint_url}: is `notify local up` running?")
    pool_id = pools[-1]["Id"]
    clients = {
        c["ClientName"]: c["ClientId"] for c in idp.list_user_pool_clients(UserPoolId=pool_id)["UserPoolClients"]
    }
    return UserPool(pool_id, clients[USER_CLIENT], clients[SERVICE_CLIENT], region, endpoint_url)


def token(pool: UserPool, user_id: str, *, groups: tuple[str, ...] = (), idp: Any = None) -> str:
    """An access token for ``user_id`` (its Cognito user name), signed by the pool's key; ``groups``: Cognito groups
    to put the user in first (``notify-operators`` may create orgs)."""
    import boto3

    idp = idp or boto3.client("cognito-idp", endpoint_url=pool.endpoint_url, region_name=pool.region)
    password = "Local-" + secrets.token_urlsafe(18) + "9!"
    with contextlib.suppress(idp.exceptions.UsernameExistsException):
        idp.admin_create_user(UserPoolId=pool.pool_id, Username=user_id, MessageAction="SUPPRESS")
    for group in groups:
        idp.admin_add_user_to_group(UserPoolId=pool.pool_id, Username=user_id, GroupName=group)
    # A fresh password per sign-in: locally nobody types one, and no password is kept anywhere.
    idp.admin_set_user_password(UserPoolId=pool.pool_id, Username=user_id, Password=password, Permanent=True)
    result = idp.admin_initiate_auth(
        UserPoolId=pool.pool_id,
        ClientId=pool.user_client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user_id, "PASSWORD": password},
    )
    return str(result["AuthenticationResult"]["AccessToken"])
