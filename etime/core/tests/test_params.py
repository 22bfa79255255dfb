"""The page-parameter helpers: one rule for dates, months, weeks, years, ids and text in a
page's query string (missing = the page's default; malformed or out of range = a 400)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import BadRequest
from django.test import RequestFactory

from etime.core import params

pytestmark = pytest.mark.embedded


def get(**query: str) -> Any:
    return RequestFactory().get("/", query)


def refused(helper: Any, value: str, *args: Any) -> str:
    with pytest.raises(params.InvalidPageParameter) as caught:
        helper(get(p=value), "p", *args)
    assert caught.value.name == "p"
    return caught.value.message


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2026-03", date(2026, 3, 1)), ("1970-01", date(1970, 1, 1)), ("2099-12", date(2099, 12, 1)), ("", None)],
)
def test_a_month_is_the_first_of_that_month_and_empty_means_the_default(value: str, expected: date | None) -> None:
    assert params.month_param(get(p=value), "p") == expected


@pytest.mark.parametrize("value", ["9999-12", "0001-01", "1969-12", "2100-01"])
def test_a_month_outside_1970_to_2099_is_refused_with_the_supported_range(value: str) -> None:
    assert "1970-01-01" in refused(params.month_param, value) and "2099-12-31" in refused(params.month_param, value)


@pytest.mark.parametrize("value", ["2026-13", "2026-00", "2026-3", "26-03", "2026-03-01", "abc", "-1", "2026-03\x00"])
def test_a_malformed_month_is_refused_with_an_example(value: str) -> None:
    assert "2026-03" in refused(params.month_param, value)


def test_a_week_is_its_monday_given_any_of_its_days_or_its_iso_number() -> None:
    assert params.week_param(get(week="2026-03-05"), "week") == date(2026, 3, 2)
    assert params.week_param(get(week="2026-W10"), "week") == date(2026, 3, 2)
    assert params.week_param(get(), "week") is None


@pytest.mark.parametrize(
    "value", ["0001-01-01", "9999-12-31", "9999-W52", "2026-W54", "2026-W00", "2026-02-30", "soon"]
)
def test_a_week_out_of_range_or_malformed_is_refused(value: str) -> None:
    refused(params.week_param, value)


def test_a_date_must_be_iso_and_within_the_supported_range() -> None:
    assert params.date_param(get(p="2026-02-28"), "p") == date(2026, 2, 28)
    for value in ("2026-02-30", "28.02.2026", "20260228", "1969-12-31", "2100-01-01"):
        refused(params.date_param, value)


def test_a_year_is_four_digits_within_the_supported_range() -> None:
    assert params.year_param(get(p="2026"), "p") == 2026
    for value in ("-6700", "99999999999999999999", "1969", "2100", "26", "2026.0"):
        refused(params.year_param, value)


def test_an_id_must_be_a_uuid() -> None:
    same = uuid.uuid4()
    assert params.uuid_param(get(p=str(same)), "p") == same
    for value in ("abc", "-1", "1", "\x00"):
        assert refused(params.uuid_param, value) == "This is not a valid id."


def test_text_with_a_nul_byte_or_too_long_is_refused() -> None:
    assert params.text_param(get(p="Müller"), "p") == "Müller"
    assert params.text_param(get(), "p") == ""
    refused(params.text_param, "a\x00b")
    assert "200" in refused(params.text_param, "x" * 201)


def test_a_choice_must_be_one_of_the_choices_and_missing_is_the_default() -> None:
    assert params.choice_param(get(), "p", ("csv", "pdf"), "csv") == "csv"
    assert params.choice_param(get(p="pdf"), "p", ("csv", "pdf"), "csv") == "pdf"
    assert "csv, pdf" in refused(params.choice_param, "doc", ("csv", "pdf"), "csv")


@pytest.mark.django_db
def test_a_refused_parameter_is_a_400_page_that_names_it_and_other_400s_show_nothing_from_the_request() -> None:
    request = get(month="9999-12")
    request.user = __import__("django.contrib.auth.models", fromlist=["AnonymousUser"]).AnonymousUser()
    with pytest.raises(params.InvalidPageParameter) as caught:
        params.month_param(request, "month")
    page = params.bad_request(request, caught.value)
    assert page.status_code == 400
    assert b'data-testid="bad-parameter"' in page.content and b"<code>month</code>" in page.content

    other = params.bad_request(request, BadRequest("secret detail"))
    assert other.status_code == 400 and b"secret detail" not in other.content
    assert b"could not be understood" in other.content
