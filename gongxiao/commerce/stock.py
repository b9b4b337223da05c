"""The stock ledger: append moves and update balances in one transaction, under row locks.

Balances are locked in key order (location, product, batch) so that two documents touching the
same rows never deadlock (`lock_balances`). The new quantity and value are computed in Decimal
from the locked row and written as values, not as ``F()`` arithmetic: the lock already rules out
lost updates, and SQLite would do ``F()`` arithmetic on NUMERIC columns in floating point, leaving
residues like 8.8e-16 yuan on an empty shelf. On SQLite the lock is the database's single writer
(transactions start IMMEDIATE). Costs are moving averages per location, product and batch.

A document's moves cost three statements whatever their number: lock (creating missing balance
rows), update the changed balances, insert the moves. `plan_moves` does the first and works out
the moves (refusing a shortage before anything is written); `write_moves` the other two, so that a
caller can write its own rows in between (the confirmed document the moves point at).

The moves of a correction of an earlier day are written now like all others and carry the day
they correct (`write_moves` copies `Document.corrects_date`); stock as of a past day is in
`gongxiao.commerce.asof`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, models, transaction
from django.utils.translation import gettext as _

from gongxiao.commerce.errors import InsufficientStock
from gongxiao.commerce.models import Batch, Document, Location, Product, StockBalance, StockMove
from gongxiao.core import clock
from gongxiao.core.numbers import plain

CENT = Decimal("0.01")
COST_PLACES = Decimal("0.0001")
ZERO = Decimal("0")


@dataclass
class MoveSpec:
    location: Location
    product: Product
    quantity: Decimal  # signed, in the product's base unit
    kind: str
    batch: Batch | None = None
    unit_cost: Decimal | None = None  # receipts at a known cost; otherwise the location's average
    line_no: int = 0  # the document line, for messages
    cost_of_previous: bool = False  # a transfer's receiving side takes the issuing side's cost

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.location.pk, self.product.pk, self.batch.pk if self.batch else 0)


def _balance_names(*fields: str) -> list[str]:
    """StockBalance's table and the columns of `fields`, quoted for raw SQL."""
    quote = connection.ops.quote_name
    names = [quote(StockBalance._meta.db_table)]
    for name in fields:
        field = StockBalance._meta.get_field(name)
        assert isinstance(field, models.Field) and field.column
        names.append(quote(field.column))
    return names


def lock_balances(keys: set[tuple[int, int, int]]) -> dict[tuple[int, int, int], StockBalance]:
    """Lock the balance rows of `keys` in key order, creating the missing ones (at 0): one statement.

    ``INSERT … ON CONFLICT … DO UPDATE … RETURNING`` (PostgreSQL; SQLite ≥ 3.35) goes through the
    keys in the order given: a key with no row gets one (locked, as every row a transaction
    inserts), a key with a row gets that row locked, as ``SELECT … FOR UPDATE`` would (after waiting
    for whoever holds it), and returned as it is now. Every transaction thus takes its rows in key
    order, creation included, so two never wait on each other in a circle. The no-op ``SET`` is what
    makes the row come back (``DO NOTHING`` returns nothing for it).
    """
    ordered = sorted(keys)
    table, pk, location, product, batch_key, batch, quantity, value = _balance_names(
        "id", "location", "product", "batch_key", "batch", "quantity", "value"
    )
    rows = ", ".join(["(%s, %s, %s, %s, 0, 0)"] * len(ordered))
    params: list[object] = []
    for location_id, product_id, key in ordered:
        params += [location_id, product_id, key, key or None]
    key_columns = f"{location}, {product}, {batch_key}"
    sql = (
        f"INSERT INTO {table} ({key_columns}, {batch}, {quantity}, {value}) VALUES {rows}"
        f" ON CONFLICT ({key_columns}) DO UPDATE SET {quantity} = {table}.{quantity}"
        f" RETURNING {pk}, {key_columns}, {batch}, {quantity}, {value}"
    )
    # raw() turns the returned columns into model fields with the database's converters (SQLite
    # hands NUMERIC back as int or float; the converters make the fields' Decimals of them).
    return {(b.location_id, b.product_id, b.batch_key): b for b in StockBalance.objects.raw(sql, params)}


def _unit_label(product: Product) -> str:
    return str(product.get_base_unit_display())


@dataclass
class Posting:
    """Moves worked out under the balances' locks, not yet written (`plan_moves`, then `write_moves`)."""

    moves: list[StockMove]
    balances: dict[tuple[int, int, int], StockBalance]
    new_state: dict[tuple[int, int, int], tuple[Decimal, Decimal]]


def plan_moves(specs: list[MoveSpec]) -> Posting:
    """Lock the balances and work out each move's cost and value; refuse if any stock would go negative.

    Call inside a transaction: the locks are what keep the plan true until it is written.
    """
    balances = lock_balances({spec.key for spec in specs}) if specs else {}
    state = {key: (b.quantity, b.value) for key, b in balances.items()}
    now = clock.now()
    moves: list[StockMove] = []
    for spec in specs:
        quantity, value = state[spec.key]
        if spec.quantity >= 0:
            if spec.cost_of_previous and moves:
                unit_cost = moves[-1].unit_cost
            elif spec.unit_cost is not None:
                unit_cost = spec.unit_cost
            else:
                unit_cost = (value / quantity).quantize(COST_PLACES) if quantity > 0 else spec.product.price
            delta_value = (spec.quantity * unit_cost).quantize(CENT, ROUND_HALF_UP)
        else:
            if quantity + spec.quantity < 0:
                raise InsufficientStock(_shortage(spec, quantity), code="insufficient_stock")
            if spec.unit_cost is not None:
                unit_cost = spec.unit_cost
            else:
                unit_cost = (value / quantity).quantize(COST_PLACES) if quantity > 0 else ZERO
            if quantity + spec.quantity == 0:
                delta_value = -value
            else:
                delta_value = (spec.quantity * unit_cost).quantize(CENT, ROUND_HALF_UP)
        state[spec.key] = (quantity + spec.quantity, value + delta_value)
        moves.append(
            StockMove(
                created_at=now,
                location=spec.location,
                product=spec.product,
                batch=spec.batch,
                kind=spec.kind,
                quantity=spec.quantity,
                unit_cost=unit_cost,
                value=delta_value,
            )
        )
    return Posting(moves, balances, state)


def _shortage(spec: MoveSpec, available: Decimal) -> str:
    message = _(
        "not enough stock of %(product)s at %(location)s: %(available)s %(unit)s on hand, "
        "%(wanted)s %(unit)s wanted"
    ) % {
        "product": spec.product,
        "location": spec.location,
        "available": plain(available),
        "wanted": plain(-spec.quantity),
        "unit": _unit_label(spec.product),
    }
    if spec.line_no:
        message = _("Line %(line)s “%(field)s”: %(message)s") % {
            "line": spec.line_no,
            "field": _("quantity"),
            "message": message,
        }
    return message


def write_moves(posting: Posting, document: Document | None = None) -> list[StockMove]:
    """Write a plan in the transaction that made it: the changed balances in one UPDATE, the moves in one INSERT."""
    changed = [
        (balance.pk, *posting.new_state[key])
        for key, balance in posting.balances.items()
        if posting.new_state[key] != (balance.quantity, balance.value)
    ]
    if changed:
        table, pk, quantity, value = _balance_names("id", "quantity", "value")
        cases = " ".join(["WHEN %s THEN %s"] * len(changed))
        params: list[int | Decimal] = []
        for column in (1, 2):  # CASE id WHEN … THEN quantity …, then CASE id WHEN … THEN value …
            for row in changed:
                params += [row[0], row[column]]
        params += [row[0] for row in changed]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {quantity} = CASE {pk} {cases} END, {value} = CASE {pk} {cases} END"
                f" WHERE {pk} IN ({', '.join(['%s'] * len(changed))})",
                params,
            )
        for key, balance in posting.balances.items():
            balance.quantity, balance.value = posting.new_state[key]
    corrects_date = document.corrects_date if document is not None else None  # a correction's day
    for move in posting.moves:
        move.document = document
        move.corrects_date = corrects_date
    StockMove.objects.bulk_create(posting.moves)
    return posting.moves


def apply_moves(specs: list[MoveSpec], document: Document | None = None) -> list[StockMove]:
    """Write the moves and update the balances; refuse (and write nothing) if any stock would go negative.

    Inside a caller's transaction it takes no savepoint of its own: a caller that catches the
    refusal and carries on in the same transaction wraps the call in its own ``atomic()``.
    """
    if not specs:
        return []
    with transaction.atomic(savepoint=False):
        return write_moves(plan_moves(specs), document)


def on_hand(location: Location, product: Product, batch: Batch | None = None) -> Decimal:
    balance = StockBalance.objects.filter(
        location=location, product=product, batch_key=batch.pk if batch else 0
    ).first()
    return balance.quantity if balance else ZERO
