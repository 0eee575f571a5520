from stockpool.domain.balance import Balance
from stockpool.domain.reconcile import Difference, differences


def test_no_differences_when_the_ledger_and_balances_agree():
    assert differences({("A", "L"): {"available": 3}}, {("A", "L"): Balance(available=3)}) == []


def test_every_disagreeing_state_is_reported_including_missing_rows():
    found = differences(
        {("A", "L"): {"available": 3, "damaged": -1}, ("B", "L"): {"incoming": 2}},
        {("A", "L"): Balance(available=2), ("C", "L"): Balance(reserved=1)},
    )
    assert found == [
        Difference("A", "L", "available", 3, 2),
        Difference("A", "L", "damaged", -1, 0),
        Difference("B", "L", "incoming", 2, 0),
        Difference("C", "L", "reserved", 0, 1),
    ]
