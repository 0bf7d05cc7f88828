"""Chains as the services read them: cached, rebuilt when their table changes."""

from django.db.models import Count, Max

from onestop.core.tablecache import TableCache
from onestop.policy.registry import region_path

from .chains import ChainDef, parse_chain
from .models import ChainVersion


def _build_chains() -> tuple[dict[tuple[str, str], tuple[int, int]], dict[int, ChainDef]]:
    latest: dict[tuple[str, str], tuple[int, int]] = {}
    definitions: dict[int, ChainDef] = {}
    for pk, matter, region, version, definition in ChainVersion.objects.values_list(
        "pk", "matter", "region_id", "version", "definition"
    ):
        definitions[pk] = parse_chain(matter, definition)
        if (matter, region) not in latest or version > latest[(matter, region)][0]:
            latest[(matter, region)] = (version, pk)
    return latest, definitions


chains = TableCache(
    _build_chains,
    lambda: tuple(
        ChainVersion.objects.aggregate(n=Count("id"), m=Max("id"), t=Max("created_at")).values()
    ),
)


def chain_id_for(matter: str, region_code: str) -> int | None:
    """The newest chain version of the nearest region (itself or an ancestor) that has one."""
    latest, _ = chains.get()
    for code in reversed(region_path(region_code) or ()):
        found = latest.get((matter, code))
        if found is not None:
            return found[1]
    return None


def chain_definition(chain_id: int) -> ChainDef:
    _, definitions = chains.get()
    found = definitions.get(chain_id)
    if found is None:  # created after the cache was built, in another process
        chains.reset()
        found = chains.get()[1][chain_id]
    return found
