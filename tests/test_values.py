from decimal import Decimal

import pytest

from kg.errors import InputError
from kg.model.values import (
    NOVALUE,
    SOMEVALUE,
    Coordinate,
    ItemRef,
    Monolingual,
    Quantity,
    Time,
    coerce,
    datavalue,
    format_amount,
)

GREGORIAN = "http://www.wikidata.org/entity/Q1985727"
JULIAN = "http://www.wikidata.org/entity/Q1985786"


@pytest.mark.parametrize(
    "text, time, precision",
    [
        ("2021", "+2021-00-00T00:00:00Z", 9),
        ("2021-05", "+2021-05-00T00:00:00Z", 10),
        ("2021-05-17", "+2021-05-17T00:00:00Z", 11),
        ("2021-5-7", "+2021-05-07T00:00:00Z", 11),
        (" 1998 ", "+1998-00-00T00:00:00Z", 9),
        ("-0200", "-0200-00-00T00:00:00Z", 9),
        ("850", "+0850-00-00T00:00:00Z", 9),
        ("2020-02-29", "+2020-02-29T00:00:00Z", 11),
        ("+2021-05-17T00:00:00Z", "+2021-05-17T00:00:00Z", 11),
        ("+2021-05-00T00:00:00Z", "+2021-05-00T00:00:00Z", 10),
        ("+2021-00-00T00:00:00Z", "+2021-00-00T00:00:00Z", 9),
        ("2021-05-17T00:00:00Z", "+2021-05-17T00:00:00Z", 11),
    ],
)
def test_time_parses_short_and_wikibase_forms(text, time, precision):
    t = Time(text)
    assert (t.value, t.precision) == (time, precision)
    dv = t.datavalue()
    assert dv["type"] == "time"
    assert dv["value"] == {
        "time": time,
        "timezone": 0,
        "before": 0,
        "after": 0,
        "precision": precision,
        "calendarmodel": GREGORIAN,
    }


def test_time_keeps_the_full_form_with_a_coarser_precision_as_given():
    # Wikidata stores e.g. "+1850-01-01T00:00:00Z" with year precision; its hash depends on the string.
    t = Time("+1850-01-01T00:00:00Z", precision=9)
    assert (t.value, t.precision) == ("+1850-01-01T00:00:00Z", 9)


def test_time_short_form_with_coarser_precision_is_zeroed():
    assert Time("2021-05-17", precision=9).value == "+2021-00-00T00:00:00Z"


def test_time_from_date_int_and_calendar():
    import datetime as dt

    assert Time(dt.date(2021, 5, 17)).value == "+2021-05-17T00:00:00Z"
    assert Time(1998).precision == 9
    assert Time("1500", calendar="julian").calendar == JULIAN
    assert Time("1500", calendar="Q1985786").calendar == JULIAN


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("May 2021", "found 'May 2021'"),
        ("2021-13", "month 13"),
        ("2021-02-29", "has 28 days"),
        ("2021-04-31", "has 30 days"),
        ("2021-00-05", "month 0"),
        ("0", "no year 0"),
        ("", "expected a date"),
        ("17/05/2021", "found '17/05/2021'"),
        ("2021-05-17T25:00:00Z", "found"),
        ("+2021-05-17T00:00:00", "found"),
    ],
)
def test_malformed_times_say_what_was_expected_and_found(text, fragment):
    with pytest.raises(InputError) as e:
        Time(text)
    msg = str(e.value)
    assert "expected a date like 2021, 2021-05 or 2021-05-17" in msg
    assert fragment in msg


def test_time_precision_finer_than_the_text_is_refused():
    with pytest.raises(InputError, match="only precise to the year"):
        Time("2021", precision=11)
    with pytest.raises(InputError, match=r"precision must be an integer 0\.\.14"):
        Time("2021", precision=15)


def test_coordinate_datavalue_and_precision():
    c = Coordinate(51.56, 5.081389, precision=1e-05)
    assert c.datavalue() == {
        "value": {
            "latitude": 51.56,
            "longitude": 5.081389,
            "altitude": None,
            "precision": 1e-05,
            "globe": "http://www.wikidata.org/entity/Q2",
        },
        "type": "globecoordinate",
    }
    # precision follows the decimals written, capped at 1e-06
    assert Coordinate(51.56, 5.1).precision == pytest.approx(0.01)
    assert Coordinate("51.5612", "5.0").precision == pytest.approx(0.0001)
    assert Coordinate(Decimal("52"), Decimal("4")).precision == 1.0
    assert Coordinate(51.123456789, 5.0).precision == pytest.approx(1e-06)
    assert Coordinate("51.5", "5.5").lat == 51.5


@pytest.mark.parametrize(
    "args, fragment",
    [
        ((91, 5), "latitude must be between -90 and 90, found 91"),
        ((-90.5, 5), "latitude must be between -90 and 90"),
        ((52, 181), "longitude must be between -180 and 180, found 181"),
        ((float("nan"), 5), "finite"),
        (("north", 5), "latitude: expected a number, found 'north'"),
        ((52, None), "longitude: expected a number"),
        ((52, 5, 0), "coordinate precision must be a positive number"),
        ((52, 5, -1), "coordinate precision"),
        ((True, 5), "expected a number"),
    ],
)
def test_malformed_coordinates(args, fragment):
    with pytest.raises(InputError) as e:
        Coordinate(*args)
    assert fragment in str(e.value)


@pytest.mark.parametrize(
    "value, text",
    [
        (12, "+12"),
        (12.0, "+12"),
        (-0.5, "-0.5"),
        (0, "+0"),
        ("1e3", "+1000"),
        ("+7", "+7"),
        (Decimal("3.250"), "+3.250"),
        (" 42 ", "+42"),
        (-0.0, "+0"),
        (123456789012345678901234567890, "+123456789012345678901234567890"),
    ],
)
def test_quantity_amounts_are_wikibase_decimals(value, text):
    assert format_amount(value) == text
    assert Quantity(value).datavalue() == {"value": {"amount": text, "unit": "1"}, "type": "quantity"}


def test_quantity_unit_and_bounds():
    q = Quantity(5, unit="Q11573", lower=4, upper=6)
    assert q.datavalue()["value"] == {
        "amount": "+5",
        "unit": "http://www.wikidata.org/entity/Q11573",
        "upperBound": "+6",
        "lowerBound": "+4",
    }
    assert Quantity(5, unit=ItemRef("Q11573")).unit == "http://www.wikidata.org/entity/Q11573"
    with pytest.raises(InputError, match="upper bound"):
        Quantity(5, lower=4, upper=4.5)
    with pytest.raises(InputError, match="both bounds"):
        Quantity(5, lower=4)
    with pytest.raises(InputError, match="expected an entity id"):
        Quantity(5, unit="metre")


@pytest.mark.parametrize("bad", ["twelve", "1_000", "", float("inf"), True, None, [1]])
def test_quantity_rejects_non_numbers(bad):
    with pytest.raises(InputError, match="expected a number"):
        Quantity(bad)


def test_monolingual_and_itemref():
    assert Monolingual("Natuurmuseum", "nl").datavalue() == {
        "value": {"text": "Natuurmuseum", "language": "nl"},
        "type": "monolingualtext",
    }
    assert Monolingual("博物館", "zh-hant").language == "zh-hant"
    with pytest.raises(InputError, match="language code"):
        Monolingual("x", "Dutch")
    with pytest.raises(InputError, match="non-empty"):
        Monolingual("  ", "en")
    assert ItemRef("Q55").datavalue() == {
        "value": {"entity-type": "item", "numeric-id": 55, "id": "Q55"},
        "type": "wikibase-entityid",
    }
    assert ItemRef("http://www.wikidata.org/entity/Q55").id == "Q55"
    assert ItemRef("P31").datavalue()["value"]["entity-type"] == "property"
    with pytest.raises(InputError, match="expected an entity id"):
        ItemRef("q55")


def test_coerce_by_datatype():
    assert coerce("Q55", "wikibase-item") == ItemRef("Q55")
    assert coerce("2021-05", "time") == Time("2021-05")
    assert coerce((51.5, 5.5), "globe-coordinate") == Coordinate(51.5, 5.5)
    assert coerce(3, "quantity") == Quantity(3)
    assert coerce(("tekst", "nl"), "monolingualtext") == Monolingual("tekst", "nl")
    assert coerce(" https://example.org/ ", "url") == "https://example.org/"
    assert coerce("NL-AsdRM", "external-id") == "NL-AsdRM"
    assert coerce("Museum.jpg", "commonsMedia") == "Museum.jpg"
    assert coerce(SOMEVALUE, "time") is SOMEVALUE
    assert coerce(NOVALUE, "wikibase-item") is NOVALUE
    assert datavalue("x") == {"value": "x", "type": "string"}


@pytest.mark.parametrize(
    "value, datatype, fragment",
    [
        ("Paris", "wikibase-item", "expected an entity id"),
        (Time("2021"), "wikibase-item", "expected a wikibase-item value, found a time value"),
        ("P31", "wikibase-item", "expected a Q-id"),
        (12, "string", "expected a string value (text), found 12"),
        ("not a url", "url", "expected a URL"),
        ("File:Museum.jpg", "commonsMedia", "without the 'File:' prefix"),
        ("museum", "commonsMedia", "Commons file name"),
        ("", "external-id", "non-empty"),
        ("x" * 1501, "string", "Wikibase allows 1500"),
        ("Q1", "no-such-type", "unknown or unsupported datatype"),
        ((1, 2, 3, 4), "globe-coordinate", "expected a globe-coordinate value"),
    ],
)
def test_coerce_refuses_values_that_do_not_fit(value, datatype, fragment):
    with pytest.raises(InputError) as e:
        coerce(value, datatype)
    assert fragment in str(e.value)


def test_one_month_length_for_validation_and_rdf():
    """kg.model.timevalue.days_in_month serves both the loader's check and the RDF cleanup (there were two,
    with swapped arguments and different BCE rules)."""
    from kg.model.timevalue import days_in_month

    assert [days_in_month(2023, m) for m in range(1, 13)] == [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    assert days_in_month(2024, 2) == 29 and days_in_month(1900, 2) == 28 and days_in_month(2000, 2) == 29
    assert days_in_month(-1, 2) == 29  # 1 BCE is the astronomical year 0: a leap year
    assert days_in_month(-5, 2) == 29 and days_in_month(-2, 2) == 28
    assert Time("-0001-02-29").value.startswith("-0001-02-29")
    with pytest.raises(InputError, match="has 28 days"):
        Time("-0002-02-29")
    with pytest.raises(InputError, match="has 28 days"):
        Time("2023-02-29")
