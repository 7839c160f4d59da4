"""The lead, purchase and stage-history rows the demo loader writes, from the dataset's arrays.

Rows are yielded in the loader's column order, with times as the text each database takes,
so a million leads never become a million ORM objects.
"""

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa

from demo.generator import GRADE_NAMES, STAGE_NAMES, DemoDataset


def timestamps(values: npt.NDArray[np.datetime64], dialect: str) -> list[str]:
    """Return UTC datetime64[us] values as the text each database stores or parses."""
    text = np.datetime_as_string(values, unit="us")
    if dialect == "postgresql":
        return np.char.add(text, "+00").tolist()
    # SQLite stores what SQLAlchemy writes: "YYYY-MM-DD HH:MM:SS.ffffff"; swap the "T" in place.
    chars = np.ascontiguousarray(text).view(np.uint32).reshape(text.size, -1)
    chars[:, 10] = ord(" ")
    return chars.view(text.dtype).ravel().tolist()


def lead_columns(
    data: DemoDataset,
    channel_ids: list[int],
    experiment_ids: list[int],
    first_id: int,
    conn: sa.Connection,
) -> Iterator[tuple[Any, ...]]:
    """Yield lead rows in LEAD_COLUMNS order."""
    n = data.lead_channel.size
    experiments = np.array([*experiment_ids, None], dtype=object)
    grades = np.array([*GRADE_NAMES, None], dtype=object)
    return zip(
        range(first_id, first_id + n),
        (f"demo-L{i:07d}" for i in range(1, n + 1)),
        np.array(channel_ids, dtype=np.int64)[data.lead_channel].tolist(),
        experiments[data.lead_experiment].tolist(),
        timestamps(data.lead_created_at, conn.dialect.name),
        data.lead_cohort_week.astype(str).tolist(),
        np.array(STAGE_NAMES, dtype=object)[data.lead_stage].tolist(),
        grades[data.lead_grade].tolist(),
        np.array(data.attribute_json, dtype=object)[data.lead_attributes].tolist(),
        strict=True,
    )


def purchase_columns(
    data: DemoDataset, first_lead_id: int, conn: sa.Connection
) -> Iterator[tuple[Any, ...]]:
    """Yield purchase rows in PURCHASE_COLUMNS order."""
    n = data.purchase_lead.size
    return zip(
        (f"demo-P{i:07d}" for i in range(1, n + 1)),
        (data.purchase_lead + first_lead_id).tolist(),
        timestamps(data.purchased_at, conn.dialect.name),
        data.purchased_on.astype(str).tolist(),
        data.purchase_amount_minor.tolist(),
        strict=True,
    )


def stage_columns(
    data: DemoDataset, first_lead_id: int, conn: sa.Connection
) -> Iterator[tuple[Any, ...]]:
    """Yield lead_stage_change rows in STAGE_COLUMNS order (a lead's first row: NULL time)."""
    lead = data.stage_lead
    first = np.r_[True, lead[1:] != lead[:-1]] if lead.size else np.zeros(0, bool)
    times = np.array(timestamps(data.stage_at, conn.dialect.name), dtype=object)
    times[first] = None
    grades = np.array([*GRADE_NAMES, None], dtype=object)
    return zip(
        (lead + first_lead_id).tolist(),
        times.tolist(),
        np.array(STAGE_NAMES, dtype=object)[data.stage_index].tolist(),
        grades[data.lead_grade[lead]].tolist(),
        strict=True,
    )


