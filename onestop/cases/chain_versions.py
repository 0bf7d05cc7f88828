"""Which chain a new matter starts on, and adding a region's new version of a chain."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max

from onestop.accounts.actors import Actor
from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record
from onestop.policy.matters import Matter as MatterType
from onestop.regions.models import Region

from . import reference
from .chains import parse_chain
from .errors import CaseError
from .models import ChainVersion


def chain_for(matter: str, region: Region) -> ChainVersion:
    """The chain version a new matter in this region starts on."""
    found = reference.chain_id_for(matter, region.code)
    if found is None:
        raise CaseError(
            f"没有为该地区配置“{MatterType(matter).label}”的办理流程，请联系系统管理员。"
        )
    return ChainVersion.objects.get(pk=found)


def chain_version_create(
    *, actor: Actor, matter: str, region: Region, definition: Any
) -> ChainVersion:
    """Add a new version of a chain for a region; running matters keep theirs."""
    if actor is not None and (actor.scope is None or not actor.scope.contains(region)):
        raise PermissionDenied("只能为本管辖范围内的区划配置流程。")
    parse_chain(matter, definition)  # raises ChainError with the reason
    with transaction.atomic():
        Region.objects.select_for_update().get(pk=region.pk)
        latest = ChainVersion.objects.filter(matter=matter, region=region).aggregate(
            v=Max("version")
        )
        version = ChainVersion.objects.create(
            matter=matter,
            region=region,
            version=(latest["v"] or 0) + 1,
            definition=definition,
            created_by=actor,
        )
        transaction.on_commit(reference.chains.reset)
        audit_record(
            actor=actor,
            action=AuditAction.CHAIN_VERSION_CREATE,
            subject=version,
            detail={"matter": matter, "region": region.code, "version": version.version},
        )
    reference.chains.reset()
    return version
