"""The council pages' ``jaar`` parameter: digits other than ASCII are 'Dit jaar bestaat niet'."""

from __future__ import annotations

import pytest

from registry.accounts import Role


@pytest.mark.parametrize("year", ["²", "²⁰²⁶", "٢٠٢٦", "２０２６", "1999", "x"])
def test_a_year_in_other_digits_is_404_not_500(client, login, year):
    login(Role.CENTRAL_WORKS_COUNCIL, None)
    for url in ("/raad/organisatie/MIN-A", "/raad/rijk"):
        response = client.get(url, query_string={"jaar": year})
        assert response.status_code == 404, (url, year)
        assert "Dit jaar bestaat niet" in response.get_data(as_text=True)
