from __future__ import annotations

import io
from typing import Any

from integrum.core.models import Role
from integrum.measurement import services
from integrum.measurement.models import Meter

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def make_meter(organisation: Any, site: Any, **fields: Any) -> Meter:
    values: dict[str, Any] = {
        "site": site,
        "code": "E1",
        "name": "Main incomer",
        "kind": Meter.Kind.ELECTRICITY,
        "unit": "kWh",
    }
    values.update(fields)
    return services.meter_create(organisation=organisation, **values)


def csv_bytes(*rows: str, header: str = "meter,timestamp,value,unit") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def site_limited(
    organisation: Any, site: Any, role: str = Role.CONTRIBUTOR, email: str = "sam@acme.test"
) -> Any:
    """A member limited to one site."""
    from integrum.conftest import add_member, make_user

    user = make_user(email, "Sam", "Site")
    add_member(organisation, user, role, sites=[site])
    return user
