"""Acting on the QC and count queues from the dashboard: an operator's forms, carrying the
page's CSRF token, call the same services as /v1; viewers see no forms and are refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from stockpool.domain.access import Role
from stockpool.domain.balance import Balance
from stockpool.domain.count_sessions import CountStatus, LineCounted, NewCount
from stockpool.domain.operations import Receive
from stockpool.domain.orders import NewOrder, OrderLine
from stockpool.domain.returns import NewReturn
from tests.dashboard.conftest import DAL, TEE, Dashboard


def awaiting_inspection(dashboard: Dashboard, units: int = 3) -> int:
    """A shipped order of units tees, all sent back: they wait in quality_control."""
    container = dashboard.container
    container.stock.execute(Receive(TEE, DAL, units), actor="dock")
    placed = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    new = NewOrder("shopify", "S-1", (OrderLine(TEE, units),), placed)
    order = container.intake.ingest(new, actor="t").order
    container.fulfilment.ship(order.id, None, actor="packer")
    returned = NewReturn("shopify", "S-1", DAL, ((TEE, units),), "too small")
    return container.returns.open(returned, actor="desk").view.found.id


def tees(dashboard: Dashboard) -> Balance:
    return dashboard.container.catalog.stock(TEE).locations.get(DAL, Balance())


def inspect(dashboard: Dashboard, return_id: int, **fields: str):
    form = {"csrf_token": dashboard.csrf("/returns"), "sku": TEE, **fields}
    return dashboard.client.post(f"/returns/{return_id}/inspect", data=form, follow_redirects=False)


def test_an_operator_inspects_a_return_from_the_qc_queue(dashboard: Dashboard):
    return_id = awaiting_inspection(dashboard)
    dashboard.sign_in(Role.OPERATOR)
    page = dashboard.client.get("/returns").text
    assert f'action="/returns/{return_id}/inspect"' in page
    assert '<option value="return_to_vendor">' in page
    restocked = inspect(dashboard, return_id, quantity="2", disposition="restock")
    assert (restocked.status_code, restocked.headers["location"]) == (
        303,
        f"/returns?done={return_id}",
    )
    assert (tees(dashboard).quality_control, tees(dashboard).available) == (1, 2)
    assert "inspection recorded" in dashboard.client.get(restocked.headers["location"]).text
    assert inspect(dashboard, return_id, quantity="1", disposition="damaged").status_code == 303
    assert (tees(dashboard).quality_control, tees(dashboard).damaged) == (0, 1)
    [first, _] = dashboard.container.returns.get(return_id).found.inspections
    assert first.actor == f"dashboard:{dashboard.key_ids[Role.OPERATOR]}"
    assert "Nothing waiting." in dashboard.client.get("/returns").text


def test_inspecting_more_than_waits_shows_why_and_moves_nothing(dashboard: Dashboard):
    return_id = awaiting_inspection(dashboard, units=2)
    dashboard.sign_in(Role.OPERATOR)
    before = dashboard.container.ledger.entries(limit=1000)
    refused = inspect(dashboard, return_id, quantity="3", disposition="restock")
    assert refused.status_code == 409
    assert 'class="error" role="alert"' in refused.text
    assert f"Return {return_id}: 2 of {TEE} returned" in refused.text
    assert "2 awaiting inspection; 3" in refused.text
    assert f'id="return-{return_id}"' in refused.text  # the queue is still shown under it
    assert dashboard.container.ledger.entries(limit=1000) == before
    assert tees(dashboard).quality_control == 2


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"quantity": "two", "disposition": "restock"}, "quantity must be a whole number"),
        ({"quantity": "9" * 5000, "disposition": "restock"}, "quantity must be a whole number"),
        ({"quantity": "0", "disposition": "restock"}, "greater than 0"),
        ({"quantity": "1", "disposition": "resell"}, "disposition must be one of"),
        ({"quantity": "1"}, "disposition must be one of"),
        ({"quantity": "1", "disposition": "return_to_vendor"}, "needs a reference"),
    ],
)
def test_a_bad_inspection_form_is_a_clear_422_and_moves_nothing(
    dashboard: Dashboard, fields: dict[str, str], message: str
):
    return_id = awaiting_inspection(dashboard, units=1)
    dashboard.sign_in(Role.OPERATOR)
    refused = inspect(dashboard, return_id, **fields)
    assert refused.status_code == 422
    assert message in refused.text
    assert tees(dashboard).quality_control == 1


def test_an_unknown_return_is_a_404_on_the_page(dashboard: Dashboard):
    dashboard.sign_in(Role.OPERATOR)
    refused = inspect(dashboard, 999, quantity="1", disposition="restock")
    assert refused.status_code == 404
    assert "No return 999." in refused.text


def test_a_viewer_sees_no_inspection_form_and_may_not_inspect(dashboard: Dashboard):
    return_id = awaiting_inspection(dashboard, units=1)
    dashboard.sign_in(Role.VIEWER)
    page = dashboard.client.get("/returns").text
    assert f'id="return-{return_id}"' in page and f"/returns/{return_id}/inspect" not in page
    refused = inspect(dashboard, return_id, quantity="1", disposition="restock")
    assert refused.status_code == 403 and "operator role" in refused.text
    assert tees(dashboard).quality_control == 1


@pytest.mark.parametrize("token", [None, "wrong"])
def test_an_inspection_without_the_csrf_token_is_refused(dashboard: Dashboard, token: str | None):
    return_id = awaiting_inspection(dashboard, units=1)
    dashboard.sign_in(Role.OPERATOR)
    form = {"sku": TEE, "quantity": "1", "disposition": "restock"}
    if token is not None:
        form["csrf_token"] = token
    refused = dashboard.client.post(f"/returns/{return_id}/inspect", data=form)
    assert refused.status_code == 403 and "CSRF" in refused.text
    assert tees(dashboard).quality_control == 1


def counted(dashboard: Dashboard, units: int, *, actor: str = "cli:alice") -> int:
    """A count of the tees (30 on hand) that found units: open, every SKU counted."""
    counts = dashboard.container.counts
    dashboard.container.stock.execute(Receive(TEE, DAL, 30), actor="dock")
    count_id = counts.open(NewCount(DAL, (TEE,)), actor=actor).count.id
    counts.add_lines(count_id, [LineCounted(TEE, units)], actor=actor)
    return count_id


def act(dashboard: Dashboard, count_id: int, verb: str):
    form = {"csrf_token": dashboard.csrf("/counts")}
    return dashboard.client.post(f"/counts/{count_id}/{verb}", data=form, follow_redirects=False)


def status_of(dashboard: Dashboard, count_id: int) -> CountStatus:
    return dashboard.container.counts.get(count_id).status


def test_a_count_submitted_by_one_operator_is_approved_by_another(dashboard: Dashboard):
    count_id = counted(dashboard, 12)  # 18 short: above the approval threshold
    dashboard.sign_in(Role.OPERATOR)
    assert 'value="submit"' in dashboard.client.get("/counts").text
    submitted = act(dashboard, count_id, "submit")
    assert submitted.headers["location"] == f"/counts?done={count_id}&now=awaiting_approval"
    assert "is awaiting approval" in dashboard.client.get(submitted.headers["location"]).text
    refused = act(dashboard, count_id, "approve")  # four eyes: not who submitted it
    assert refused.status_code == 409
    assert "another person approves it" in refused.text
    assert (status_of(dashboard, count_id), tees(dashboard).available) == (
        CountStatus.AWAITING_APPROVAL,
        30,
    )
    dashboard.sign_in(Role.ADMIN)
    approved = act(dashboard, count_id, "approve")
    assert approved.headers["location"] == f"/counts?done={count_id}&now=posted"
    posted = dashboard.container.counts.get(count_id)
    assert posted.approved_by == f"dashboard:{dashboard.key_ids[Role.ADMIN]}"
    assert (posted.status, tees(dashboard).available) == (CountStatus.POSTED, 12)


def test_an_operator_cancels_an_open_count_and_nothing_is_posted(dashboard: Dashboard):
    count_id = counted(dashboard, 12)
    dashboard.sign_in(Role.OPERATOR)
    cancelled = act(dashboard, count_id, "cancel")
    assert cancelled.headers["location"] == f"/counts?done={count_id}&now=cancelled"
    assert (status_of(dashboard, count_id), tees(dashboard).available) == (
        CountStatus.CANCELLED,
        30,
    )
    again = act(dashboard, count_id, "cancel")
    assert again.status_code == 409 and "needs an open count" in again.text


def test_a_count_not_fully_counted_offers_no_submit(dashboard: Dashboard):
    count_id = dashboard.container.counts.open(NewCount(DAL, (TEE,)), actor="cli:alice").count.id
    dashboard.sign_in(Role.OPERATOR)
    page = dashboard.client.get("/counts").text
    assert f'action="/counts/{count_id}/cancel"' in page
    assert f'action="/counts/{count_id}/submit"' not in page
    refused = act(dashboard, count_id, "submit")
    assert refused.status_code == 409 and "not counted yet" in refused.text


def test_a_viewer_sees_no_count_forms_and_may_not_act(dashboard: Dashboard):
    count_id = counted(dashboard, 12)
    dashboard.sign_in(Role.VIEWER)
    page = dashboard.client.get("/counts").text
    assert f'id="count-{count_id}"' in page and '<form method="post" action="/counts' not in page
    refused = act(dashboard, count_id, "cancel")
    assert refused.status_code == 403 and "operator role" in refused.text
    assert status_of(dashboard, count_id) == CountStatus.OPEN


def test_a_count_action_without_the_csrf_token_is_refused(dashboard: Dashboard):
    count_id = counted(dashboard, 12)
    dashboard.sign_in(Role.OPERATOR)
    refused = dashboard.client.post(f"/counts/{count_id}/cancel", follow_redirects=False)
    assert refused.status_code == 403 and "CSRF" in refused.text
    assert status_of(dashboard, count_id) == CountStatus.OPEN
