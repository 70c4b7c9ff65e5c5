"""Numbers in URLs and query strings beyond what SQL can hold give 404 or a default, never 500."""
import pytest

from expertise.core.params import MAX_PAGE, SQL_INT_MAX, to_int

HUGE = "9" * 30


@pytest.mark.parametrize(
    "text,expected",
    [("12", 12), (" 7 ", 7), ("-3", -3), (str(SQL_INT_MAX), SQL_INT_MAX), (str(SQL_INT_MAX + 1), None),
     (HUGE, None), ("1e3", None), ("", None), (None, None), ("٣", 3)],
)
def test_to_int_keeps_numbers_sql_can_hold(text, expected):
    assert to_int(text) == expected


def test_huge_numbers_in_paths_are_not_found(cast, login):
    client = login(cast.anna)
    for path in (f"/vragen/{HUGE}", f"/bewoners/{HUGE}", f"/meldingen/{HUGE}/gelezen"):
        response = client.get(path) if "gelezen" not in path else client.post(path, {})
        assert response.status_code == 404, path


def test_huge_numbers_in_query_strings_fall_back_to_defaults(cast, login):
    expert = login(cast.eva)
    for query in (f"pagina={HUGE}", f"gebied={HUGE}", f"pagina={MAX_PAGE * 10}", "pagina=-5"):
        assert expert.get(f"/vragen?{query}").status_code == 200, query
    assert login(cast.anna).get(f"/meldingen.json?since={HUGE}&limit={HUGE}").status_code == 200
    assert login(cast.ada).get(f"/beheer/gebruikers?page={HUGE}").status_code == 200
