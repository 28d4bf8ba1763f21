"""The subscription matrix of docs/products.md §3: per scope, event group x channel -> the chosen contacts."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from notify_core.domain import admin_api as rules
from notify_core.handlers.api.models import CellEdit, Matrix, MatrixCell, MatrixScope
from notify_core.handlers.api.routers._common import ERRORS, OK, OrgId, org, service

router = Router()
Scope = Annotated[
    str,
    Path(
        pattern=r"^(org|service:[A-Za-z0-9_.@-]{1,200}|point:[A-Za-z0-9_.@-]{1,200})$",
        description="org | service:<id> | point:<id>",
    ),
]
Group = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[a-z0-9_.]+$")]
CellChannel = Annotated[str, Path(pattern=r"^(email|sms|webhook)$")]


def _cell(c: rules.Cell) -> MatrixCell:
    return MatrixCell.model_validate(
        {"group": c.group, "channel": c.channel, "targets": list(c.targets), "addresses": list(c.addresses)}
    )


@router.get(
    "/orgs/<org_id>/subscriptions",
    summary="The subscription matrix",
    description="Every scope the org subscribes at (the org scope always), with every group x channel cell the "
    "catalog allows, chosen or not.",
    tags=["subscriptions"],
    responses={**OK, **ERRORS},
)
def get_matrix(org_id: OrgId) -> Matrix:
    m = service(router).matrix(org(router, org_id))
    return Matrix(scopes=[MatrixScope(scope=s, cells=[_cell(c) for c in cells]) for s, cells in m.scopes.items()])


@router.put(
    "/orgs/<org_id>/subscriptions/<scope>/<group>/<channel>",
    summary="Choose who a cell reaches",
    description="Admins only. A contact without the address the channel needs (an email for email, a phone for "
    "sms) is refused, the message saying which contact lacks what; webhook cells take endpoint ids.",
    tags=["subscriptions"],
    responses={**OK, **ERRORS},
)
def put_cell(
    org_id: OrgId, scope: Scope, group: Group, channel: CellChannel, edit: Annotated[CellEdit, Body()]
) -> MatrixCell:
    cell = service(router).put_cell(org(router, org_id), scope, group, channel, list(edit.targets))
    return _cell(cell)
