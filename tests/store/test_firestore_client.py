"""What the Firestore client module promises without a server: document ids and UTC times."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from marvin.store.firestore.client import doc_id, utc

DAY = "2026-03-02"


@given(st.lists(st.tuples(st.text(), st.text(), st.text()), min_size=2, max_size=6, unique=True))
@example([("a__b", "c", "d"), ("a", "b__c", "d")])
@example([("a/b", "", "x"), ("a%2Fb", "", "x"), ("a", "", "x"), ("", "a", "x")])
@example([("a_", "_b", ""), ("a", "__b", ""), ("a__", "b", "")])
def test_doc_id_never_maps_two_keys_to_one_id(keys: list[tuple[str, str, str]]) -> None:
    assert len({doc_id(*key) for key in keys}) == len(keys)


@given(st.lists(st.text(), min_size=1, max_size=4))
@example(["."])
@example([".."])
@example(["__x__"])
@example([""])
@example(["a/b/c"])
def test_doc_id_is_always_a_legal_firestore_id(parts: list[str]) -> None:
    ident = doc_id(*parts)
    assert ident and "/" not in ident and ident not in {".", ".."}
    assert not re.fullmatch(r"__.*__", ident)


def test_doc_id_keeps_slack_names_readable() -> None:
    assert doc_id("digest", "ops", DAY, "#general") == "digest__ops__2026-03-02__#general"
    assert doc_id("C123/456") == "C123%2F456"


def test_utc_gives_a_plain_utc_datetime_and_refuses_naive_ones() -> None:
    class Subclass(dt.datetime):
        """Like the client library's DatetimeWithNanoseconds."""

    paris = dt.timezone(dt.timedelta(hours=1))
    value = utc(Subclass(2026, 3, 2, 9, 30, 0, 5, tzinfo=paris))
    assert type(value) is dt.datetime
    assert value == dt.datetime(2026, 3, 2, 8, 30, 0, 5, tzinfo=dt.UTC)
    assert value.tzinfo is dt.UTC
    with pytest.raises(ValueError, match="time-zone aware"):
        utc(dt.datetime(2026, 3, 2, 8, 30))
