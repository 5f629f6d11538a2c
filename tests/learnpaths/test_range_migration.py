"""Databases holding positions or hours the forms no longer accept still migrate."""

from tests._migrations import migrate

BEFORE = [
    ("learnpaths", "0008_step_note_optional_in_drafts"),
    ("resources", "0002_postgres_search"),
]
AFTER = [("learnpaths", "0009_position_and_hours_ranges")]


def test_out_of_range_rows_are_renumbered_in_order_and_clamped(back_to_latest):
    apps = migrate(BEFORE)
    Concept = apps.get_model("resources", "Concept")
    Resource = apps.get_model("resources", "Resource")
    LearningPath = apps.get_model("learnpaths", "LearningPath")
    Stage = apps.get_model("learnpaths", "Stage")
    Step = apps.get_model("learnpaths", "Step")
    Concept.objects.create(
        name="C", slug="c", name_zh="概", area="foundations", summary="S.", position=30000
    )
    resources = [
        Resource.objects.create(
            title=f"R{n}",
            slug=f"r{n}",
            kind="book",
            url=f"https://example.org/{n}",
            estimated_hours=9000,
        )
        for n in range(3)
    ]
    path = LearningPath.objects.create(title="P", slug="p", summary="S.")
    stage = Stage.objects.create(path=path, position=30000, title="T", goal="G.")
    for resource, position in zip(resources, (30000, 2, 1000), strict=True):
        Step.objects.create(
            stage=stage, path=path, position=position, resource=resource, note="N.", hours=9000
        )

    apps = migrate(AFTER)

    Step = apps.get_model("learnpaths", "Step")
    assert list(Step.objects.order_by("position").values_list("resource__slug", "position")) == [
        ("r1", 1), ("r2", 2), ("r0", 3),
    ]  # fmt: skip
    assert set(Step.objects.values_list("hours", flat=True)) == {2000}
    assert apps.get_model("learnpaths", "Stage").objects.get().position == 1
    assert apps.get_model("resources", "Concept").objects.get().position == 999
    resource_model = apps.get_model("resources", "Resource")
    assert set(resource_model.objects.values_list("estimated_hours", flat=True)) == {2000}
