"""Routing: which location(s) ship an order, and why. Pure domain, no database."""

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from stockpool.domain.catalog import Location, LocationKind
from stockpool.domain.channels import Channel, Platform
from stockpool.domain.orders import OrderLine
from stockpool.domain.routing import Allocation, Candidate, RoutingDecision, route

WEB = Channel("web", Platform.SHOPIFY)
WEB_NO_SPLIT = Channel("web", Platform.SHOPIFY, split_allowed=False)


def loc(code, *, channels=(), priority=100, region=None):
    return Location(
        code, LocationKind.WAREHOUSE, channels=frozenset(channels), priority=priority, region=region
    )


def lines(*pairs):
    return [OrderLine(sku, quantity) for sku, quantity in pairs]


def used(decision):
    return {a.location for a in decision.allocations}


# --- eligibility ------------------------------------------------------------------------------


def test_only_locations_serving_the_channel_are_candidates():
    locations = [
        loc("AMZ-ONLY", channels={"amazon"}, priority=1),
        loc("WEB-TOO", channels={"amazon", "web"}, priority=5),
        loc("ALL", priority=9),  # no channels listed: serves every channel
    ]
    available = {("X", "AMZ-ONLY"): 10, ("X", "WEB-TOO"): 1, ("X", "ALL"): 1}

    decision = route(lines(("X", 2)), WEB, locations, available)

    assert [c.location for c in decision.candidates] == ["WEB-TOO", "ALL"]
    assert "AMZ-ONLY" not in used(decision)
    assert decision.short == (0,)


def test_a_location_with_no_channels_serves_every_channel():
    decision = route(lines(("X", 2)), WEB, [loc("ALL")], {("X", "ALL"): 2})

    assert [c.location for c in decision.candidates] == ["ALL"]
    assert decision.allocations == (Allocation(0, "X", "ALL", 2),)


def test_no_eligible_location_leaves_every_unit_short_and_names_the_channel():
    locations = [loc("AMZ", channels={"amazon"})]
    available = {("X", "AMZ"): 50, ("Y", "AMZ"): 50}

    decision = route(lines(("X", 3), ("Y", 4)), WEB, locations, available)

    assert decision.allocations == ()
    assert decision.short == (3, 4)
    assert decision.candidates == ()
    assert "web" in decision.reason


def test_no_locations_at_all_leaves_every_unit_short():
    decision = route(lines(("X", 1)), WEB, [], {})

    assert decision.short == (1,)
    assert "web" in decision.reason


# --- one location for the whole order ---------------------------------------------------------


def test_a_location_that_ships_every_line_beats_a_split_from_a_better_ranked_one():
    locations = [loc("BIG-X", priority=1), loc("BOTH", priority=50)]
    available = {("X", "BIG-X"): 100, ("X", "BOTH"): 2, ("Y", "BOTH"): 2}

    decision = route(lines(("X", 2), ("Y", 2)), WEB, locations, available)

    assert decision.allocations == (
        Allocation(0, "X", "BOTH", 2),
        Allocation(1, "Y", "BOTH", 2),
    )
    assert decision.short == (0, 0)
    assert decision.reason == "BOTH can ship the whole order"


def test_among_whole_shippers_the_region_comes_before_priority():
    locations = [loc("FAR", priority=1, region="west"), loc("NEAR", priority=90, region="east")]
    available = {("X", "FAR"): 5, ("X", "NEAR"): 5}

    decision = route(lines(("X", 3)), WEB, locations, available, region="east")

    assert used(decision) == {"NEAR"}
    assert "region east" in decision.reason
    assert decision.reason.startswith("NEAR can ship the whole order")


def test_among_whole_shippers_in_the_same_region_the_lower_priority_number_wins():
    locations = [
        loc("SLOW", priority=20, region="east"),
        loc("FAST", priority=10, region="east"),
        loc("OUT", priority=0, region="west"),
    ]
    available = {("X", "SLOW"): 5, ("X", "FAST"): 5, ("X", "OUT"): 5}

    decision = route(lines(("X", 3)), WEB, locations, available, region="east")

    assert used(decision) == {"FAST"}
    assert "best priority (10)" in decision.reason
    assert "of the 2 that can" not in decision.reason  # three can ship it
    assert "of the 3 that can" in decision.reason


def test_without_an_order_region_the_lower_priority_number_wins():
    locations = [loc("B", priority=7, region="east"), loc("A", priority=3, region="west")]
    available = {("X", "A"): 5, ("X", "B"): 5}

    decision = route(lines(("X", 1)), WEB, locations, available)

    assert used(decision) == {"A"}
    assert "best priority (3)" in decision.reason


def test_among_whole_shippers_with_equal_rank_the_code_decides():
    locations = [loc("ZED", priority=5), loc("ALF", priority=5), loc("MID", priority=5)]
    available = {("X", code): 5 for code in ("ZED", "ALF", "MID")}

    decision = route(lines(("X", 5)), WEB, locations, available)

    assert used(decision) == {"ALF"}
    assert "ALF comes first by code" in decision.reason
    assert "3 can" in decision.reason


def test_a_single_whole_shipper_needs_no_tie_break_in_its_reason():
    locations = [loc("A", priority=1), loc("B", priority=2)]
    available = {("X", "A"): 1, ("X", "B"): 5}

    decision = route(lines(("X", 3)), WEB, locations, available)

    assert used(decision) == {"B"}
    assert decision.reason == "B can ship the whole order"


# --- splits -----------------------------------------------------------------------------------


def test_a_split_fills_from_locations_in_rank_order():
    locations = [
        loc("THIRD", priority=30),
        loc("FIRST", priority=10),
        loc("SECOND", priority=20),
        loc("FOURTH", priority=40),
    ]
    available = {("X", "FIRST"): 2, ("X", "SECOND"): 3, ("X", "THIRD"): 4, ("X", "FOURTH"): 6}

    decision = route(lines(("X", 7)), WEB, locations, available)

    assert decision.allocations == (
        Allocation(0, "X", "FIRST", 2),
        Allocation(0, "X", "SECOND", 3),
        Allocation(0, "X", "THIRD", 2),
    )
    assert decision.short == (0,)
    assert "split across FIRST, SECOND, THIRD" in decision.reason
    assert "FOURTH" not in decision.reason


def test_a_split_uses_the_region_before_priority():
    locations = [loc("CLOSE", priority=99, region="east"), loc("AWAY", priority=1, region="west")]
    available = {("X", "CLOSE"): 2, ("X", "AWAY"): 2}

    decision = route(lines(("X", 3)), WEB, locations, available, region="east")

    assert decision.allocations == (
        Allocation(0, "X", "CLOSE", 2),
        Allocation(0, "X", "AWAY", 1),
    )


def test_a_split_leaves_short_what_no_location_has():
    locations = [loc("A", priority=1), loc("B", priority=2)]
    available = {("X", "A"): 1, ("X", "B"): 1, ("Y", "B"): 2}

    decision = route(lines(("X", 4), ("Y", 2)), WEB, locations, available)

    assert decision.short == (2, 0)
    assert decision.committed(0) == 2
    assert decision.committed(1) == 2


def test_a_split_with_no_stock_anywhere_says_so():
    decision = route(lines(("X", 2)), WEB, [loc("A"), loc("B")], {})

    assert decision.allocations == ()
    assert decision.short == (2,)
    assert "nothing (none has stock)" in decision.reason


def test_without_splits_the_location_shipping_most_units_ships_what_it_can():
    locations = [loc("FEW", priority=1), loc("MOST", priority=50), loc("SOME", priority=2)]
    available = {
        ("X", "FEW"): 1,
        ("Y", "FEW"): 1,
        ("X", "MOST"): 3,
        ("Y", "MOST"): 1,
        ("X", "SOME"): 2,
        ("Y", "SOME"): 1,
    }

    decision = route(lines(("X", 3), ("Y", 3)), WEB_NO_SPLIT, locations, available)

    assert decision.allocations == (
        Allocation(0, "X", "MOST", 3),
        Allocation(1, "Y", "MOST", 1),
    )
    assert decision.short == (0, 2)
    assert "does not allow splits" in decision.reason
    assert "MOST can ship the most units (4)" in decision.reason


def test_without_splits_a_tie_on_units_goes_to_the_better_ranked_location():
    locations = [loc("LATER", priority=9), loc("EARLIER", priority=1)]
    available = {("X", "LATER"): 2, ("X", "EARLIER"): 2}

    decision = route(lines(("X", 5)), WEB_NO_SPLIT, locations, available)

    assert used(decision) == {"EARLIER"}
    assert decision.short == (3,)


def test_without_splits_a_whole_shipper_still_wins():
    locations = [loc("A", priority=1), loc("B", priority=2)]
    available = {("X", "A"): 1, ("X", "B"): 4}

    decision = route(lines(("X", 4)), WEB_NO_SPLIT, locations, available)

    assert decision.allocations == (Allocation(0, "X", "B", 4),)
    assert decision.short == (0,)


# --- shared stock, candidates, committed ------------------------------------------------------


def test_two_lines_of_one_sku_share_a_locations_stock():
    locations = [loc("A", priority=1)]
    available = {("X", "A"): 4}

    decision = route(lines(("X", 3), ("X", 3)), WEB, locations, available)

    assert decision.candidates[0].can_ship_all is False
    assert decision.candidates[0].units == 4
    assert decision.allocations == (
        Allocation(0, "X", "A", 3),
        Allocation(1, "X", "A", 1),
    )
    assert decision.short == (0, 2)


def test_two_lines_of_one_sku_split_the_rest_to_the_next_location():
    locations = [loc("A", priority=1), loc("B", priority=2)]
    available = {("X", "A"): 4, ("X", "B"): 2}

    decision = route(lines(("X", 3), ("X", 3)), WEB, locations, available)

    assert decision.allocations == (
        Allocation(0, "X", "A", 3),
        Allocation(1, "X", "A", 1),
        Allocation(1, "X", "B", 2),
    )
    assert decision.short == (0, 0)


def test_candidates_list_every_eligible_location_with_what_it_could_ship():
    locations = [
        loc("WHOLE", priority=5, region="east"),
        loc("PART", priority=1, region="west"),
        loc("EMPTY", priority=3),
        loc("OTHER", channels={"amazon"}, priority=0),
    ]
    available = {
        ("X", "WHOLE"): 2,
        ("Y", "WHOLE"): 1,
        ("X", "PART"): 1,
        ("X", "OTHER"): 9,
        ("Y", "OTHER"): 9,
    }

    decision = route(lines(("X", 2), ("Y", 1)), WEB, locations, available, region="east")

    assert decision.candidates == (
        Candidate("WHOLE", priority=5, region_match=True, can_ship_all=True, units=3),
        Candidate("PART", priority=1, region_match=False, can_ship_all=False, units=1),
        Candidate("EMPTY", priority=3, region_match=False, can_ship_all=False, units=0),
    )


def test_committed_sums_the_allocations_of_one_line():
    decision = RoutingDecision(
        allocations=(
            Allocation(0, "X", "A", 2),
            Allocation(1, "Y", "A", 1),
            Allocation(0, "X", "B", 3),
        ),
        short=(0, 4),
        candidates=(),
        reason="",
    )

    assert decision.committed(0) == 5
    assert decision.committed(1) == 1
    assert decision.committed(2) == 0


def test_zero_availability_and_a_missing_key_behave_the_same():
    locations = [loc("A", priority=1), loc("B", priority=2)]
    order = lines(("X", 3), ("Y", 1))
    sparse = {("X", "B"): 3, ("Y", "B"): 1}
    zeros = {**sparse, ("X", "A"): 0, ("Y", "A"): 0}

    for channel in (WEB, WEB_NO_SPLIT):
        assert route(order, channel, locations, zeros) == route(order, channel, locations, sparse)
    assert all(a.units > 0 for a in route(order, WEB, locations, zeros).allocations)


# --- properties over random small worlds ------------------------------------------------------

CHANNEL_CODES = ("web", "amazon")
SKUS = ("A", "B", "C")
REGIONS = (None, "east", "west")


@st.composite
def worlds(draw):
    channel = Channel(
        draw(st.sampled_from(CHANNEL_CODES)), Platform.MANUAL, split_allowed=draw(st.booleans())
    )
    locations = [
        loc(
            f"L{i}",
            channels=draw(st.frozensets(st.sampled_from(CHANNEL_CODES))),
            priority=draw(st.integers(0, 3)),
            region=draw(st.sampled_from(REGIONS)),
        )
        for i in range(draw(st.integers(1, 4)))
    ]
    skus = SKUS[: draw(st.integers(1, 3))]
    order = draw(
        st.lists(
            st.builds(OrderLine, st.sampled_from(skus), st.integers(1, 6)), min_size=1, max_size=4
        )
    )
    available = {}
    for sku in skus:
        for location in locations:
            units = draw(st.one_of(st.none(), st.integers(0, 10)))  # None: no key at all
            if units is not None:
                available[(sku, location.code)] = units
    region = draw(st.sampled_from(REGIONS))
    return order, channel, locations, available, region


def whole_shippers(order, channel, locations, available):
    """Eligible locations that could ship every line alone, worked out without route()."""
    demand = Counter()
    for line in order:
        demand[line.sku] += line.quantity
    return {
        location.code
        for location in locations
        if (not location.channels or channel.code in location.channels)
        and all(available.get((sku, location.code), 0) >= units for sku, units in demand.items())
    }


@given(worlds())
def test_every_unit_is_either_committed_or_short(world):
    order, channel, locations, available, region = world
    decision = route(order, channel, locations, available, region)

    assert len(decision.short) == len(order)
    for index, line in enumerate(order):
        assert decision.committed(index) + decision.short[index] == line.quantity
        assert decision.short[index] >= 0


@given(worlds())
def test_allocations_never_exceed_what_is_available(world):
    order, channel, locations, available, region = world
    decision = route(order, channel, locations, available, region)

    taken = Counter()
    for allocation in decision.allocations:
        assert allocation.sku == order[allocation.line].sku
        taken[(allocation.sku, allocation.location)] += allocation.units
    for key, units in taken.items():
        assert units <= available.get(key, 0)


@given(worlds())
def test_allocations_are_positive_and_only_at_locations_serving_the_channel(world):
    order, channel, locations, available, region = world
    decision = route(order, channel, locations, available, region)

    serving = {location.code for location in locations if location.serves(channel.code)}
    assert {c.location for c in decision.candidates} == serving
    for allocation in decision.allocations:
        assert allocation.units > 0
        assert allocation.location in serving


@given(worlds())
def test_a_whole_shipper_means_one_location_and_nothing_short(world):
    order, channel, locations, available, region = world
    decision = route(order, channel, locations, available, region)

    whole = whole_shippers(order, channel, locations, available)
    if whole:
        assert len(used(decision)) == 1
        assert used(decision) <= whole
        assert sum(decision.short) == 0
    elif not channel.split_allowed:
        assert sum(decision.short) > 0


@given(worlds())
def test_without_splits_at_most_one_location_is_used(world):
    order, channel, locations, available, region = world
    no_split = Channel(channel.code, channel.platform, split_allowed=False)
    decision = route(order, no_split, locations, available, region)

    assert len(used(decision)) <= 1


@given(worlds(), st.data())
def test_more_availability_never_increases_the_total_short(world, data):
    order, channel, locations, available, region = world
    sku = data.draw(st.sampled_from(SKUS))
    location = data.draw(st.sampled_from([location.code for location in locations]))
    extra = data.draw(st.integers(1, 10))
    more = {**available, (sku, location): available.get((sku, location), 0) + extra}

    before = route(order, channel, locations, available, region)
    after = route(order, channel, locations, more, region)

    assert sum(after.short) <= sum(before.short)


def test_when_one_location_has_only_part_the_reason_says_so():
    decision = route(lines(("X", 3)), WEB, [loc("A"), loc("B")], {("X", "A"): 2})
    assert decision.reason == "no location can ship the whole order; only A has any of it"
    assert decision.short == (1,)
