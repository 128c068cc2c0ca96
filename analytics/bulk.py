"""Fast bulk inserts of a DataFrame into a model's table (the synthetic history's big tables).

`bulk_create` spends ~0.3 ms per row in Django's per-value preparation: a million appointments
with their payments, feedback and reports took ~20 minutes. Here each column is converted once,
vectorised, by the model field's type, and the rows go in with the connection's executemany
in batches (COPY on PostgreSQL). Only for trusted, generated data: no model validation runs.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from django.db import connection, models

BATCH = 10_000


def _datetimes(values, vendor: str) -> list:
    series = pd.Series(pd.to_datetime(values))
    if series.dt.tz is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    series = series.dt.floor("us")
    whole = series.dt.strftime("%Y-%m-%d %H:%M:%S")
    micro = series.dt.strftime(".%f")
    text = np.where(series.dt.microsecond == 0, whole, whole + micro)
    if vendor != "sqlite":
        text = np.char.add(text.astype(str), "+00:00")
    out = text.astype(object)
    out[series.isna().to_numpy()] = None
    return out.tolist()


def _column(field: models.Field, values, vendor: str) -> list:
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        return _datetimes(values, vendor)
    series = pd.Series(values)
    missing = series.isna().to_numpy() if series.dtype == object or series.dtype.kind == "f" else None
    if kind == "DateField":
        out = [None if v is None or v is pd.NaT else v.isoformat() for v in series]
    elif kind == "DecimalField":
        fmt = f"{{:.{field.decimal_places}f}}"
        out = [fmt.format(v) for v in series.astype(float)]
    elif kind in {"ForeignKey", "OneToOneField", "BigAutoField", "AutoField", "IntegerField", "BigIntegerField",
                  "PositiveIntegerField", "PositiveSmallIntegerField", "SmallIntegerField"}:
        out = [int(v) for v in series.fillna(0)]
    elif kind == "BooleanField":
        out = [bool(v) for v in series]
    elif kind == "JSONField":
        out = [json.dumps(v) for v in series]
    else:
        out = [str(v) for v in series]
    if missing is not None and missing.any():
        for i in np.nonzero(missing)[0]:
            out[i] = None
    return out


def prepare_rows(model: type[models.Model], df: pd.DataFrame) -> tuple[str, list[tuple]]:
    """The INSERT statement and the database-ready rows of `df` (columns named by field attnames;
    other fields get their default)."""
    vendor = connection.vendor
    n = len(df)
    fields, columns = [], []
    for field in model._meta.concrete_fields:
        if field.attname in df.columns:
            values = df[field.attname].to_numpy()
        else:
            values = np.empty(n, dtype=object)
            if field.has_default() and callable(field.default):  # e.g. a unique identifier: one per row
                values[:] = [field.get_default() for _ in range(n)]
            else:
                default = field.get_default()  # "" for text fields without a default
                if default is None and not field.null:
                    raise ValueError(f"{model.__name__}.{field.attname} needs a value")
                values[:] = [default] * n
        fields.append(field)
        columns.append(_column(field, values, vendor))
    quote = connection.ops.quote_name
    # Table and column names come from the model, quoted by the backend; values are parameters.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    )
    return sql, list(zip(*columns, strict=True))


def insert_frame(model: type[models.Model], df: pd.DataFrame, *, progress=None) -> int:
    """Insert every row of `df`: PostgreSQL's COPY, elsewhere executemany, in batches."""
    sql, rows = prepare_rows(model, df)
    n = len(rows)
    if connection.vendor == "postgresql":
        copy_sql = sql.split(" VALUES ")[0].replace("INSERT INTO", "COPY", 1) + " FROM STDIN"
        with connection.cursor() as cursor:
            for lo in range(0, n, BATCH):
                with cursor.cursor.copy(copy_sql) as copy:
                    for row in rows[lo:lo + BATCH]:
                        copy.write_row(row)
                if progress:
                    progress(min(BATCH, n - lo))
        return n
    with connection.cursor() as cursor:
        for lo in range(0, n, BATCH):
            cursor.executemany(sql, rows[lo:lo + BATCH])
            if progress:
                progress(min(BATCH, n - lo))
    return n
