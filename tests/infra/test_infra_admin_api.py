"""The admin API in the stack: the Cognito user pool and its clients, the HTTP API's routes and JWT authorizer,
throttling, access logs, and the api function's least privilege."""

from __future__ import annotations

import json

import pytest
from infra_template import Synth

from notify_core.domain.admin_api import OPERATORS_GROUP
from notify_infra import wiring

pytestmark = pytest.mark.infra


def one(synth: Synth, cfn_type: str) -> tuple[str, dict]:
    [(lid, resource)] = synth.of_type(cfn_type).items()
    return lid, resource["Properties"]


def test_every_route_but_the_public_area_needs_the_cognito_jwt_authorizer(synth: Synth) -> None:
    pool, _ = one(synth, "AWS::Cognito::UserPool")
    authorizer, props = one(synth, "AWS::ApiGatewayV2::Authorizer")
    assert props["AuthorizerType"] == "JWT"
    assert props["IdentitySource"] == ["$request.header.Authorization"]
    issuer = json.dumps(props["JwtConfiguration"]["Issuer"])
    assert "https://cognito-idp." in issuer and pool in issuer
    clients = {r["Properties"]["ClientName"]: lid for lid, r in synth.of_type("AWS::Cognito::UserPoolClient").items()}
    assert sorted(a["Ref"] for a in props["JwtConfiguration"]["Audience"]) == sorted(clients.values())
    routes = {r["Properties"]["RouteKey"]: r["Properties"] for r in synth.of_type("AWS::ApiGatewayV2::Route").values()}
    public = f"ANY {wiring.HTTP_API.public_prefix}/{{proxy+}}"
    assert set(routes) == {"ANY /{proxy+}", public, "GET /console", "GET /console/{proxy+}"}
    assert routes["ANY /{proxy+}"]["AuthorizationType"] == "JWT"
    assert routes["ANY /{proxy+}"]["AuthorizerId"] == {"Ref": authorizer}
    for unauthenticated in (public, "GET /console", "GET /console/{proxy+}"):
        assert routes[unauthenticated]["AuthorizationType"] == "NONE"
    # Both reach the api function, with the payload format its resolver reads.
    [integration] = [r["Properties"] for r in synth.of_type("AWS::ApiGatewayV2::Integration").values()]
    assert integration["PayloadFormatVersion"] == "2.0"
    assert integration["IntegrationUri"]["Fn::GetAtt"][0] == synth.functions()["api"]


def test_the_stage_throttles_and_writes_access_logs(synth: Synth) -> None:
    _, stage = one(synth, "AWS::ApiGatewayV2::Stage")
    assert stage["StageName"] == "$default" and stage["AutoDeploy"] is True
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] == wiring.HTTP_API.throttle_rate_per_s
    assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == wiring.HTTP_API.throttle_burst
    log_format = json.loads(stage["AccessLogSettings"]["Format"])
    assert {"requestId", "caller", "status", "authorizerError"} <= set(log_format)
    log_group = stage["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"][0]
    assert synth.resources[log_group]["Properties"]["RetentionInDays"] == 30


def test_the_user_pool_invites_requires_mfa_and_has_the_service_scopes_and_operators(synth: Synth) -> None:
    _, pool = one(synth, "AWS::Cognito::UserPool")
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["MfaConfiguration"] == "ON" and pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert pool["UserPoolAddOns"]["AdvancedSecurityMode"] == "ENFORCED"
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] >= 12
    _, server = one(synth, "AWS::Cognito::UserPoolResourceServer")
    assert server["Identifier"] == wiring.HTTP_API.resource_server
    assert [s["ScopeName"] for s in server["Scopes"]] == list(wiring.HTTP_API.scopes)
    clients = {
        r["Properties"]["ClientName"]: r["Properties"] for r in synth.of_type("AWS::Cognito::UserPoolClient").values()
    }
    assert clients["console"]["ExplicitAuthFlows"] == ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    assert clients["console"]["GenerateSecret"] is False and "AllowedOAuthFlows" not in clients["console"]
    assert clients["product-services"]["AllowedOAuthFlows"] == ["client_credentials"]
    assert clients["product-services"]["GenerateSecret"] is True
    [group] = [r["Properties"] for r in synth.of_type("AWS::Cognito::UserPoolGroup").values()]
    assert group["GroupName"] == OPERATORS_GROUP


def test_the_api_function_stores_secrets_but_decrypts_only_the_unsubscribe_key_and_never_scans(synth: Synth) -> None:
    statements = synth.statements("api")
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert "ssm:PutParameter" in actions
    # kms:Decrypt only through SSM and only for the parameters under /notify/unsubscribe/ (the link-signing key of
    # /public/unsubscribe): an imported document's secrets stay unreadable to it.
    decrypts = [
        s for s in statements if "kms:Decrypt" in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    ]
    assert len(decrypts) == 1
    context = json.dumps(decrypts[0]["Condition"]["StringLike"]["kms:EncryptionContext:PARAMETER_ARN"])
    assert "parameter/notify/unsubscribe/*" in context and "webhook" not in context
    assert "dynamodb:Scan" not in actions
    assert not any(a.endswith("*") for a in actions), sorted(actions)
    assert "sqs:SendMessage" in actions  # replay puts the kept message back on its channel's queue
    # Only API Gateway (this API) may invoke it.
    permissions = [
        r["Properties"] for r in synth.of_type("AWS::Lambda::Permission").values()
        if r["Properties"]["FunctionName"].get("Fn::GetAtt", [None])[0] == synth.functions()["api"]
    ]  # fmt: skip
    assert permissions and all(p["Principal"] == "apigateway.amazonaws.com" for p in permissions)
    assert all("SourceArn" in p for p in permissions)
