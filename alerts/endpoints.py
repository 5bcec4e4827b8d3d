"""``/alerts``: price alerts of the signed-in user (bearer token), their notifications and delivery log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from accounts.deps import require
from accounts.policy import Action
from accounts.service import Principal
from alerts import service
from alerts.schemas import AlertCreate, AlertCreated, AlertOut, DeliveryOut, FiringOut
from core.deps import DbSession, SettingsDep

router = APIRouter(prefix="/alerts", tags=["alerts"])
AlertsUser = Annotated[Principal, Depends(require(Action.ALERTS_USE))]


@router.post("", response_model=AlertCreated, status_code=201, summary="Save a search with a price threshold")
def create_alert(
    body: AlertCreate, session: DbSession, settings: SettingsDep, principal: AlertsUser
) -> dict[str, Any]:
    return service.create_alert(session, settings, principal, body)


@router.get("", response_model=list[AlertOut], summary="Your alerts")
def list_alerts(session: DbSession, principal: AlertsUser) -> list[dict[str, Any]]:
    return service.list_alerts(session, principal)


@router.get("/notifications", response_model=list[FiringOut], summary="Alerts that fired (newest first)")
def notifications(session: DbSession, principal: AlertsUser) -> list[Any]:
    return service.notifications(session, principal)


@router.post("/notifications/read", summary="Mark every notification read")
def mark_read(session: DbSession, principal: AlertsUser) -> dict[str, int]:
    return {"marked": service.mark_read(session, principal)}


@router.get("/deliveries", response_model=list[DeliveryOut], summary="Email and webhook delivery log")
def deliveries(session: DbSession, principal: AlertsUser, alert_id: str | None = None) -> list[Any]:
    return service.delivery_log(session, principal, alert_id)


@router.delete("/{alert_id}", status_code=204, summary="Delete an alert")
def delete_alert(alert_id: str, session: DbSession, principal: AlertsUser) -> Response:
    service.delete_alert(session, principal, alert_id)
    return Response(status_code=204)
