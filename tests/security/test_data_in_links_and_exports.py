"""Data from the catalogue reaches links and spreadsheets without changing their meaning."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from learnpaths import services
from resources.models import Resource
from tests.html import hrefs


@pytest.mark.parametrize(
    ("doi", "url"),
    [
        ("10.1000/abc#def", "https://doi.org/10.1000/abc%23def"),
        ("10.1000/a?b=c", "https://doi.org/10.1000/a%3Fb%3Dc"),
        ("10.1000/100%", "https://doi.org/10.1000/100%25"),
        ("10.1000/a b", "https://doi.org/10.1000/a%20b"),
        ('10.1000/<x>&"y"', "https://doi.org/10.1000/%3Cx%3E%26%22y%22"),
        ("10.1002/(SICI)1097-4571", "https://doi.org/10.1002/%28SICI%291097-4571"),
    ],
)
def test_doi_links_percent_encode_the_identifier(doi, url):
    assert Resource(doi=doi).doi_url == url


def test_arxiv_links_percent_encode_the_identifier():
    assert (
        Resource(arxiv_id="hep-th/9901001v2").arxiv_url == "https://arxiv.org/abs/hep-th/9901001v2"
    )
    assert Resource(arxiv_id="1706.03762#x").arxiv_url == "https://arxiv.org/abs/1706.03762%23x"


def test_the_resource_page_links_a_doi_with_a_hash_to_that_doi(client, make):
    resource = make.resource(kind="paper", doi="10.1000/abc#def", arxiv_id="1706.03762")
    response = client.get(resource.get_absolute_url())
    assert "https://doi.org/10.1000/abc%23def" in hrefs(response.content)
    assert "https://arxiv.org/abs/1706.03762" in hrefs(response.content)


def test_a_filter_link_built_from_a_chinese_tag_filters_by_that_tag(client, make):
    resource = make.resource(title="Tagged", tags=["注意力"])
    make.resource(title="Untagged")
    response = client.get(resource.tags.get().get_absolute_url())
    (further,) = [h for h in hrefs(response.content) if "?tag=" in h]
    assert further == reverse("resource-list") + "?tag=%E6%B3%A8%E6%84%8F%E5%8A%9B"
    page = client.get(further).content.decode()
    assert "Tagged" in page and "Untagged" not in page


HAZARDS = [
    "=1+1", "+1", "-1", "@SUM(A1)", "|calc", "＝1+1",
    " =1+1", "\u00a0=HYPERLINK(1)", "\n=1+1", "\r\n+1", "\u200b@x", "\u3000-1", " \t =1",
    "\tplain", "\rplain", "\nplain",
]  # fmt: skip
HARMLESS = ["Deep Learning", "C++ primer", "A-B testing", "  spaced title", "50% off"]


def test_csv_export_neutralises_formulas_after_leading_spaces_and_controls(client, make):
    user = make.user()
    titles = HAZARDS + HARMLESS
    for title in titles:
        resource = make.resource(title=title)
        services.progress_set(user=user, resource_id=resource.pk, status="done")
    client.force_login(user)
    rows = list(csv.DictReader(io.StringIO(client.get("/en/me/export.csv").content.decode())))
    exported = {row["resource"]: row["title"] for row in rows}
    for resource in Resource.objects.all():
        if resource.title in HAZARDS:
            assert exported[resource.slug] == "'" + resource.title, repr(resource.title)
        else:
            assert exported[resource.slug] == resource.title, repr(resource.title)


@pytest.mark.parametrize(
    "doi",
    [
        "10.1000/x/../../10.9999/evil",
        "10.1000/../10.9999/evil",
        "10.1000/./x",
        "10.1000/x/..",
        "10.1000/x\n",
        "10.1000/x\x01y",
    ],
)
def test_a_doi_with_dot_segments_or_control_characters_is_refused(doi):
    with pytest.raises(ValidationError) as error:
        Resource._meta.get_field("doi").run_validators(doi)
    assert "Enter a DOI" in str(error.value)


@pytest.mark.parametrize("doi", ["10.1000/x..y", "10.1000/..x", "10.1000/a.b/c.", "10.1000/%2E%2E"])
def test_dots_within_a_doi_part_are_accepted(doi):
    Resource._meta.get_field("doi").run_validators(doi)


def test_an_arxiv_id_with_a_trailing_line_feed_is_refused():
    with pytest.raises(ValidationError):
        Resource._meta.get_field("arxiv_id").run_validators("1706.03762\n")


@pytest.mark.parametrize(
    ("doi", "url"),
    [
        (
            "10.1000/x/../../10.9999/evil",
            "https://doi.org/10.1000/x/%252E%252E/%252E%252E/10.9999/evil",
        ),
        ("10.1000/./x", "https://doi.org/10.1000/%252E/x"),
        ("10.1000/x/%2E%2E/y", "https://doi.org/10.1000/x/%252E%252E/y"),
        ("10.1000/x..y/z", "https://doi.org/10.1000/x..y/z"),
    ],
)
def test_a_stored_doi_with_dot_segments_is_linked_without_leaving_it(doi, url):
    # Stored by other means than the validated fields (an old row, the shell).
    assert Resource(doi=doi).doi_url == url
    assert Resource(arxiv_id=doi).arxiv_url == url.replace(
        "https://doi.org/", "https://arxiv.org/abs/"
    )
