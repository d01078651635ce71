"""A ticket as support reads it: the ticket, and the network side of its ONU now — live state,
last RX/TX power and their age, distance, recent signal history, recent jobs and ACS intents.

The CRM reads the OMS and ACS tables through their models (the CRM drives the network, never
the other way round). The ONU part follows the network's visibility rules (oms.scope): it is
shown only to a reader with network:read whose restriction groups include the ONU's OLT;
anyone else gets the ticket with `onu_hidden` set and nothing of the ONU."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from acs.models import AcsIntent
from core.access import Permission, Principal
from crm import schemas
from crm.models import Ticket
from crm.services import get_or_404
from oms.models import Job, Onu, OnuSample

#: signal history shown: the samples of the last SAMPLE_WINDOW, at most SAMPLE_LIMIT of them
SAMPLE_WINDOW = timedelta(hours=24)
SAMPLE_LIMIT = 96
RECENT_JOBS = 10
RECENT_INTENTS = 10


def _reading(value: float | None, read_at: datetime | None, now: datetime) -> schemas.Reading:
    age = None if read_at is None else max(0.0, (now - read_at).total_seconds())
    return schemas.Reading(value=value, read_at=read_at, age_s=age)


def ticket_onu(session: Session, ticket: Ticket) -> Onu | None:
    """The ONU the ticket names, else the one of its subscription."""
    if ticket.onu_id is not None:
        return session.get(Onu, ticket.onu_id)
    if ticket.subscription_id is not None:
        return session.execute(
            select(Onu).where(Onu.subscription_id == ticket.subscription_id)
        ).scalar_one_or_none()
    return None


def ticket_detail(session: Session, ticket_id: int, who: Principal) -> schemas.TicketDetail:
    ticket = get_or_404(session, Ticket, ticket_id)
    detail = schemas.TicketDetail(**schemas.TicketRead.model_validate(ticket).model_dump())
    onu = ticket_onu(session, ticket)
    if onu is None:
        return detail
    if not (who.can(Permission.NETWORK_READ) and who.sees_olt(onu.olt_id)):
        detail.onu_hidden = True
        return detail

    now = session.execute(select(func.now())).scalar_one()  # the database's clock, as the samples'
    detail.onu = schemas.TicketOnuState(
        id=onu.id, serial=onu.serial, name=onu.name, olt_id=onu.olt_id,
        lifecycle_state=onu.lifecycle_state.value, admin_state=onu.admin_state.value, status=onu.status.value,
        status_changed_at=onu.status_changed_at, last_seen_at=onu.last_seen_at,
        last_down_cause=onu.last_down_cause,
        rx_dbm=_reading(onu.rx_dbm, onu.optical_read_at, now),
        tx_dbm=_reading(onu.tx_dbm, onu.optical_read_at, now),
        olt_rx_dbm=_reading(onu.olt_rx_dbm, onu.optical_read_at, now),
        distance_m=onu.distance_m,
    )
    samples = session.scalars(
        select(OnuSample)
        .where(OnuSample.onu_id == onu.id, OnuSample.sampled_at >= now - SAMPLE_WINDOW)
        .order_by(OnuSample.sampled_at.desc(), OnuSample.id.desc())
        .limit(SAMPLE_LIMIT)
    )
    detail.samples = [schemas.TicketSample.model_validate(s) for s in samples]
    jobs = session.scalars(
        select(Job).where(Job.onu_id == onu.id).order_by(Job.created_at.desc(), Job.id.desc()).limit(RECENT_JOBS)
    )
    detail.jobs = [schemas.TicketJob.model_validate(j) for j in jobs]
    intents = session.scalars(
        select(AcsIntent)
        .where(AcsIntent.onu_id == onu.id)
        .order_by(AcsIntent.created_at.desc(), AcsIntent.id.desc())
        .limit(RECENT_INTENTS)
    )
    detail.intents = [schemas.TicketIntent.model_validate(i) for i in intents]
    return detail

