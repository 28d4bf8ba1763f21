"""The admin API: a Cognito user pool, an HTTP API (API Gateway v2) whose JWT authorizer verifies its tokens, the
``api`` function behind it (``wiring.HTTP_API``).

- **Sign-in.** One user pool: people sign in through the ``console`` app client (SRP, no secret), MFA required
  (TOTP), threat protection enforced; product services use the ``product-services`` client with the
  client-credentials grant and the resource server's scopes (``notify/send``) on the pool's domain. The group
  ``notify-operators`` may create orgs (``domain.admin_api``). Users are invited, never sign themselves up.
- **The authorizer** checks the token's signature against the pool's keys, its issuer, its audience (either app
  client) and expiry before the function runs; the function reads the caller from those verified claims only.
  Routes under ``/public/`` go without it (their proof is in the request: a signed link).
- **Limits.** Stage throttling (``throttle_rate_per_s``, ``throttle_burst``: 429 beyond), the function's own body
  limit (413) and reserved concurrency.
- **Access logs** (JSON, one line per request: who, what, status, latency, the authorizer's error) go to a log
  group kept for a month.
- **No WAF**: AWS WAF web ACLs attach to REST APIs, not HTTP APIs. Throttling and the authorizer (nothing reaches
  the function without a valid token but ``/public/*``) are the guards; README "Admin API" says so.
"""

from __future__ import annotations

import json

import jsii
from aws_cdk import Acknowledgment, Aws, CfnOutput, Duration, RemovalPolicy, Validations
from aws_cdk import aws_apigateway as apigw_v1
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.aws_apigatewayv2_authorizers import HttpJwtAuthorizer
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from notify_core.domain.admin_api import OPERATORS_GROUP
from notify_infra import wiring

ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "caller": "$context.authorizer.claims.username",
    "client": "$context.authorizer.claims.client_id",
    "method": "$context.httpMethod",
    "path": "$context.path",
    "status": "$context.status",
    "latencyMs": "$context.responseLatency",
    "integrationError": "$context.integrationErrorMessage",
    "authorizerError": "$context.authorizer.error",
    "time": "$context.requestTime",
}


class AdminApi(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, function: lambda_.IFunction) -> None:
        super().__init__(scope, construct_id)
        spec = wiring.HTTP_API
        self.user_pool = cognito.UserPool(
            self,
            "Users",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(username=True, email=False),
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_digits=True,
                require_lowercase=True,
                require_uppercase=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            account_recovery=cognito.AccountRecovery.NONE,  # an admin resets access; no self-service recovery
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        cognito.CfnUserPoolGroup(
            self,
            "Operators",
            user_pool_id=self.user_pool.user_pool_id,
            group_name=OPERATORS_GROUP,
            description="may create an org by importing its first settings document (naming its first admin)",
        )
        scopes = [cognito.ResourceServerScope(scope_name=s, scope_description=f"notify {s}") for s in spec.scopes]
        server = self.user_pool.add_resource_server(
            "Scopes", identifier=spec.resource_server, scopes=scopes, user_pool_resource_server_name="notify"
        )
        self.domain = self.user_pool.add_domain(
            "Domain", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=f"notify-{Aws.ACCOUNT_ID}")
        )
        self.console_client = self.user_pool.add_client(
            "Console",
            user_pool_client_name="console",
            auth_flows=cognito.AuthFlow(user_srp=True),
            generate_secret=False,
            access_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(1),
            prevent_user_existence_errors=True,
            disable_o_auth=True,  # people sign in with SRP (the console, the CLI); no hosted-UI redirects
        )
        self.service_client = self.user_pool.add_client(
            "ProductServices",
            user_pool_client_name="product-services",
            generate_secret=True,
            access_token_validity=Duration.hours(1),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(client_credentials=True),
                scopes=[cognito.OAuthScope.resource_server(server, s) for s in scopes],
            ),
        )
        authorizer = HttpJwtAuthorizer(
            "Cognito",
            f"https://cognito-idp.{Aws.REGION}.amazonaws.com/{self.user_pool.user_pool_id}",
            jwt_audience=[self.console_client.user_pool_client_id, self.service_client.user_pool_client_id],
            identity_source=["$request.header.Authorization"],
        )
        integration = HttpLambdaIntegration("Function", function)
        self.http_api = apigw.HttpApi(
            self,
            "Http",
            api_name="notify-admin",
            description="notify admin API (README 'Admin API'; schemas/openapi.json)",
            create_default_stage=False,
            default_authorizer=authorizer,
        )
        self.access_logs = logs.LogGroup(self, "AccessLogs", retention=logs.RetentionDays.ONE_MONTH)
        self.stage = apigw.HttpStage(
            self,
            "Stage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigw.ThrottleSettings(rate_limit=spec.throttle_rate_per_s, burst_limit=spec.throttle_burst),
            access_log_settings=_AccessLogs(apigw.LogGroupLogDestination(self.access_logs), _access_log_format()),
        )
        # Every route but the public area needs a verified token (the default authorizer).
        self.http_api.add_routes(path="/{proxy+}", methods=[apigw.HttpMethod.ANY], integration=integration)
        [public] = self.http_api.add_routes(
            path=f"{spec.public_prefix}/{{proxy+}}",
            methods=[apigw.HttpMethod.ANY],
            integration=integration,
            authorizer=apigw.HttpNoneAuthorizer(),
        )
        Validations.of(public).acknowledge(
            Acknowledgment(
                id="AwsSolutions::AwsSolutions-APIG4",
                reason="The public area (/public/*) serves what a person reaches without signing in: a health check "
                "today, a one-click unsubscribe link later, whose HMAC-signed token in the URL is its own proof. "
                "Every other route has the Cognito JWT authorizer; stage throttling covers these too.",
            )
        )
        CfnOutput(self, "Url", key="AdminApiUrl", value=self.stage.url)
        CfnOutput(self, "UserPoolId", key="AdminUserPoolId", value=self.user_pool.user_pool_id)
        CfnOutput(self, "ConsoleClientId", key="AdminConsoleClientId", value=self.console_client.user_pool_client_id)
        CfnOutput(self, "ServiceClientId", key="AdminServiceClientId", value=self.service_client.user_pool_client_id)
        CfnOutput(self, "TokenUrl", key="AdminTokenUrl", value=f"{self.domain.base_url()}/oauth2/token")


@jsii.implements(apigw.IAccessLogSettings)
class _AccessLogs:
    def __init__(self, destination: apigw.IAccessLogDestination, log_format: apigw_v1.AccessLogFormat) -> None:
        self._destination = destination
        self._format = log_format

    @property
    def destination(self) -> apigw.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw_v1.AccessLogFormat:
        return self._format


def _access_log_format() -> apigw_v1.AccessLogFormat:
    return apigw_v1.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FORMAT, separators=(",", ":")))
