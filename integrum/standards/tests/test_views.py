from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from integrum.conftest import client_for, make_user
from integrum.standards.models import Clause, Standard

pytestmark = pytest.mark.django_db


def clause_at(key: str, number: str) -> Clause:
    code, _, edition = key.rpartition(":")
    return Clause.objects.get(standard__code=code, standard__edition=edition, number=number)


def standard(key: str) -> Standard:
    code, _, edition = key.rpartition(":")
    return Standard.objects.get(code=code, edition=edition)


def pages() -> dict[str, str]:
    return {
        "list": reverse("standards:standard_list"),
        "standard": standard("ISO 9001:2015").get_absolute_url(),
        "clause": clause_at("ISO 9001:2015", "8.2.1").get_absolute_url(),
        "compare": reverse("standards:compare"),
    }


def row(html: str, number: str) -> str:
    """The side-by-side table row of one clause number."""
    match = re.search(rf'<tr [^>]*data-number="{re.escape(number)}">(.*?)</tr>', html, re.S)
    assert match, f"no row for {number}"
    return match.group(0)


def text(response: Any) -> str:
    return response.content.decode()


@pytest.mark.parametrize("page", ["list", "standard", "clause", "compare"])
def test_it_shows_each_page_to_a_viewer(standards: None, as_viewer: Client, page: str) -> None:
    response = as_viewer.get(pages()[page])

    assert response.status_code == 200


@pytest.mark.parametrize("page", ["list", "standard", "clause", "compare"])
def test_it_sends_anonymous_visitors_to_sign_in(standards: None, client: Client, page: str) -> None:
    url = pages()[page]

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_tells_a_user_without_organisation_to_get_one(standards: None) -> None:
    response = client_for(make_user("nobody@example.test", "No", "Body")).get(pages()["list"])

    assert response.status_code == 403


def test_it_lists_the_editions_with_their_counts(standards: None, as_viewer: Client) -> None:
    html = text(as_viewer.get(pages()["list"]))

    assert "ISO 9001:2015" in html
    assert "ISO 14001:2015" in html
    assert "Amd 1:2024" in html
    assert 'class="std-tag std-tag--environment"' in html
    assert '<td class="table__number">91</td>' in html


def test_it_shows_the_clause_tree_indented_by_depth(standards: None, as_viewer: Client) -> None:
    html = text(as_viewer.get(pages()["standard"]))

    assert 'tree__item--depth-1">\n      <a class="tree__link" href="' in html
    assert re.search(
        r'tree__item--depth-4">\s*<a [^>]*><span class="clause-ref mono">7\.1\.5\.1</span>', html
    )
    assert "N/A allowed" in html


def main_of(html: str) -> str:
    """The page without its menu (whose entries carry clause numbers too)."""
    return html.split('id="main"', 1)[1]


def test_it_filters_the_tree_by_pdca_phase(standards: None, as_viewer: Client) -> None:
    html = main_of(text(as_viewer.get(pages()["standard"], {"pdca": "check"})))

    assert ">9.1.2</span> Customer satisfaction" in html
    assert ">4.1</span>" not in html
    assert 'aria-current="page">Check' in html


def test_it_searches_the_tree(standards: None, as_viewer: Client) -> None:
    html = main_of(text(as_viewer.get(pages()["standard"], {"q": "calibration"})))

    assert ">7.1.5.2</span>" in html
    assert ">4.1</span>" not in html


def test_it_shows_a_clause_with_its_place_documents_and_links(standards: None, as_viewer: Client) -> None:
    clause = clause_at("ISO 9001:2015", "9.2.2")

    html = text(as_viewer.get(clause.get_absolute_url()))

    assert "ISO 9001:2015/9.2.2" in html
    assert clause_at("ISO 9001:2015", "9.2").get_absolute_url() in html
    assert "badge--retain" in html
    assert clause_at("ISO 14001:2015", "9.2.2").get_absolute_url() in html
    assert "Equivalent" in html


def test_it_warns_that_a_clash_is_another_subject_from_either_side(
    standards: None, as_viewer: Client
) -> None:
    emergency = clause_at("ISO 14001:2015", "8.2")
    requirements = clause_at("ISO 9001:2015", "8.2")

    html = text(as_viewer.get(emergency.get_absolute_url()))

    assert "Same number, different subject." in html
    assert requirements.get_absolute_url() in html
    assert "Same number, different subject." in text(as_viewer.get(requirements.get_absolute_url()))


def test_it_shows_the_two_standards_side_by_side(standards: None, as_viewer: Client) -> None:
    html = text(as_viewer.get(pages()["compare"]))

    assert "badge--equivalent" in row(html, "4.1")
    assert "Only in ISO 9001:2015" in row(html, "8.3")
    assert "Only in ISO 14001:2015" in row(html, "6.1.3")
    assert "badge--related" in row(html, "7.4")
    assert clause_at("ISO 14001:2015", "6.1.4").get_absolute_url() in row(html, "6.1.2")


@pytest.mark.parametrize("number", ["6.1.2", "8.2", "9.1.2"])
def test_it_marks_every_clash_on_the_side_by_side_page(
    standards: None, as_viewer: Client, number: str
) -> None:
    html = text(as_viewer.get(pages()["compare"]))

    clash = row(html, number)
    assert "compare__row--clash" in clash
    assert "Same number, different subject" in clash
    assert 'badge--equivalent">Shared' not in clash


def test_it_compares_any_two_standards_chosen(standards: None, as_viewer: Client) -> None:
    left, right = standard("ISO 14001:2015"), standard("ISO 9001:2015")

    html = text(as_viewer.get(pages()["compare"], {"left": left.pk, "right": right.pk}))

    assert "Only in ISO 14001:2015" in row(html, "6.1.3")
    assert html.index('<th scope="col">ISO 14001:2015</th>') < html.index(
        '<th scope="col">ISO 9001:2015</th>'
    )


def test_it_asks_for_two_different_standards(standards: None, as_viewer: Client) -> None:
    same = standard("ISO 9001:2015").pk

    html = text(as_viewer.get(pages()["compare"], {"left": same, "right": same}))

    assert "Choose two different standards" in html


def test_it_answers_not_found_for_an_unknown_standard(standards: None, as_viewer: Client) -> None:
    assert as_viewer.get(pages()["compare"], {"left": 999999}).status_code == 404


def test_it_explains_an_empty_library(db: None, as_viewer: Client) -> None:
    assert "integrum standards load" in text(as_viewer.get(reverse("standards:standard_list")))
    assert "Two standards are needed" in text(as_viewer.get(reverse("standards:compare")))


# Every page costs 6 queries before its own: session, user, memberships with their sites, and
# the savepoint pair of the request's transaction.
SHELL = 6


@pytest.mark.parametrize(
    ("page", "own"),
    # The standard and the clause pages also ask `standards.evidence` what serves their clauses:
    # mandatory items, ancestor clauses, and each register's records (documents, context,
    # risks, environment, performance, audits, nonconformities, reviews: one to three queries
    # each, whatever the number of records).
    [("standard", 18), ("clause", 18), ("compare", 3)],
)
def test_it_reads_each_page_with_a_fixed_number_of_queries(
    standards: None, as_viewer: Client, django_assert_max_num_queries: Any, page: str, own: int
) -> None:
    url = pages()[page]

    with django_assert_max_num_queries(SHELL + own):
        response = as_viewer.get(url)

    assert response.status_code == 200


def test_it_reads_a_big_clause_as_cheaply_as_a_small_one(
    standards: None, as_viewer: Client, django_assert_max_num_queries: Any
) -> None:
    big = clause_at("ISO 9001:2015", "8").get_absolute_url()
    small = clause_at("ISO 14001:2015", "9.1.2").get_absolute_url()

    for url in (big, small):
        with django_assert_max_num_queries(SHELL + 18):
            as_viewer.get(url)
