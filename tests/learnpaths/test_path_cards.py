"""A path's card (path list, home page) counts its stages, steps and hours."""

import pytest

from learnpaths.models import Step
from tests.html import parse


@pytest.mark.parametrize("url", ["/en/paths/", "/en/", "/zh-hans/paths/"])
def test_a_card_counts_every_stage_step_and_hour(client, make, url):
    path = make.path(stages=2, steps_per_stage=3, featured=True)
    Step.objects.filter(path=path).update(hours=4)
    card = next(
        card
        for card in parse(client.get(url).content).find_all("article", class_="path-card")
        if card.find("a").text == path.title
    )
    badges = [li.text for li in card.find_all("li")]
    expected = {
        "/zh-hans/paths/": ["2 个阶段", "6 个步骤", "约 24 小时"],
    }.get(url, ["2 stages", "6 steps", "≈ 24 h"])
    assert badges[1:] == expected
