"""Search as a learner uses it, on both databases (the same engine: resources.search): Chinese
segmented, Traditional script, synonyms, accents and full-width forms, model names, symbol
terms, operators honoured everywhere (typo correction included), ranking, grouped results,
filters, `q` on the resource list, and a bounded number of index-backed queries."""

import pytest
from django.db import connection

from resources.models import ConferenceEdition, ResourceSearchTerm, Synonym
from resources.search import engine
from tests.resources.search_pages import listed

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's plans; CI runs the suite there too"
)


def page(client, q, page_language="en", **params):
    response = client.get(f"/{page_language}/search/", {"q": q, **params})
    assert response.status_code == 200
    return response.content.decode()


def found(client, q, group="resources", **params):
    """The slugs of `group` the search page shows for `q`, in order."""
    return listed(page(client, q, **params))[group]


@pytest.fixture
def catalogue(make):
    cnn = make.concept(name="Convolutional neural networks", name_zh="卷积神经网络", slug="cnn")
    attention = make.concept(name="Attention", name_zh="注意力机制", slug="attention")
    transformer = make.concept(name="Transformer", name_zh="Transformer", slug="transformer")
    llm = make.concept(name="Large language models", name_zh="大语言模型", slug="llm")
    make.resource(
        slug="alexnet", title="ImageNet Classification with Deep Convolutional Neural Networks",
        concepts=[cnn], description="The AlexNet paper.", kind="paper",
    )  # fmt: skip
    aiayn = make.resource(
        slug="aiayn", title="Attention Is All You Need", concepts=[attention, transformer],
        description="Introduces the architecture.", kind="paper",
    )  # fmt: skip
    aiayn.defines.add(transformer)
    make.resource(
        slug="d2l-zh", title="Dive into Deep Learning", title_zh="动手学深度学习",
        description="交互式的深度学习教材，清华大学出版社出版。", language="zh", tags=["textbook"],
    )  # fmt: skip
    make.resource(
        slug="survey", title="A survey that mentions attention in passing",
        description="Attention Is All You Need is cited here.",
    )  # fmt: skip
    make.resource(slug="transformers-lib", title="Transformers library", kind="library")
    make.resource(slug="adam", title="Adam optimiser", description="Used to train transformers.")
    make.resource(slug="gpt3", title="Language Models are Few-Shot Learners (GPT-3)",
                  concepts=[llm], kind="paper")  # fmt: skip
    make.resource(slug="bayes", title="Naïve Bayes classifiers", description="Réseaux bayésiens.")
    make.resource(slug="cpp", title="Fast inference in C++", tags=["C++"])
    make.resource(slug="csharp", title="ML.NET for C# developers")
    make.resource(slug="c-lang", title="The C programming language for numerical code")
    make.resource(slug="bert-zh", title="BERT 预训练详解", language="zh")
    make.resource(slug="unrelated", title="Unrelated course", description="Statistics basics.")
    path = make.path(
        slug="llm-path", title="From RNNs to large language models", status="published"
    )
    path.concepts.add(llm)
    Synonym.objects.create(
        slug="llm", terms=["大模型", "大语言模型", "LLM", "large language model"]
    )


def test_titles_concept_names_and_descriptions_are_found(client, catalogue):
    assert "aiayn" in found(client, "attention")
    assert "alexnet" in found(client, "convolutional")
    assert found(client, "alexnet") == ["alexnet"]


def test_a_resource_that_introduced_a_concept_comes_first_for_it(client, catalogue):
    assert found(client, "transformer")[0] == "aiayn"
    assert set(found(client, "transformer")) >= {"transformers-lib", "adam"}


def test_an_exact_title_comes_first(client, catalogue):
    assert found(client, "Attention Is All You Need")[0] == "aiayn"
    assert found(client, "attention is all you need")[0] == "aiayn"


@pytest.mark.parametrize(
    ("q", "slug"),
    [
        ("清华大学", "d2l-zh"),  # inside a description: segmented, found by its pieces
        ("出版社", "d2l-zh"),
        ("深度 学习", "d2l-zh"),
        ("深度学习", "d2l-zh"),
        ("動手學深度學習", "d2l-zh"),  # Traditional script
        ("BERT预训练", "bert-zh"),  # mixed, no space
        ("卷积", "alexnet"),  # a concept's Chinese name
    ],
)
def test_chinese_is_segmented_on_both_databases(client, catalogue, q, slug):
    assert slug in found(client, q)[:3]


def test_synonyms_from_the_admin_apply_to_queries(client, catalogue):
    for q in ["大模型", "LLM", "large language model", "大语言模型"]:
        assert "gpt3" in found(client, q), q
        assert "llm" in found(client, q, "concepts"), q
        assert "llm-path" in found(client, q, "paths"), q


@pytest.mark.parametrize("q", ["gpt-3", "gpt3", "GPT 3", "GPT-3", "ＧＰＴ－３", "gpt"])
def test_model_names_are_one_term_however_written(client, catalogue, q):
    assert found(client, q)[0] == "gpt3"


@pytest.mark.parametrize(("q", "slug"), [("naive bayes", "bayes"), ("reseaux", "bayes"),
                                          ("NAÏVE", "bayes"), ("réseaux", "bayes")])  # fmt: skip
def test_accents_and_case_do_not_matter(client, catalogue, q, slug):
    assert found(client, q) == [slug]


def test_symbol_terms_are_whole_tokens(client, catalogue):
    assert found(client, "C++") == ["cpp"]
    assert found(client, "c#") == ["csharp"]
    assert found(client, ".net") == ["csharp"]


@pytest.mark.parametrize("q", ["a", "the", "+", "的", "-", '""', "c", "3", "!!!"])
def test_short_or_symbol_only_queries_match_nothing_and_say_why(client, catalogue, q):
    html = page(client, q)
    assert found(client, q) == []
    assert "at least two letters" in html


def test_operators(client, catalogue):
    assert "aiayn" not in found(client, "attention -transformer")
    assert "survey" in found(client, "attention -transformer")
    assert set(found(client, '"all you need"')) == {"aiayn", "survey"}
    assert found(client, '"need all you"') == []
    assert set(found(client, "alexnet or adam")) == {"alexnet", "adam"}


def test_a_typo_is_corrected_and_said_so_keeping_the_operators(client, catalogue):
    html = page(client, "atention -transformer")
    assert "Showing results for “attention -transformer”" in html
    assert "aiayn" not in listed(html)["resources"] and "survey" in listed(html)["resources"]
    assert "aiayn" in found(client, "transfomer")


def test_a_poor_search_offers_its_correction(client, catalogue):
    # "convolutonal" finds nothing; "convolutonal alexnet" finds nothing either (AND), so the
    # corrected query is run; a word that finds one thing gets "Did you mean".
    html = page(client, "alexnet convolutonal")
    assert "alexnet" in listed(html)["resources"]


def test_results_are_grouped_concepts_paths_resources(client, catalogue):
    shown = listed(page(client, "large language models"))
    assert shown["concepts"] == ["llm"]
    assert shown["paths"] == ["llm-path"]
    assert shown["resources"][0] == "gpt3"


def test_chinese_resources_come_first_for_chinese_queries(client, catalogue, make):
    make.resource(slug="dl-en", title="Deep learning notes", description="深度学习")
    assert found(client, "深度学习")[0] == "d2l-zh"


def test_the_search_page_filters_by_kind_level_cost_and_language(client, catalogue):
    assert found(client, "attention", kind="paper") == ["aiayn"]
    assert found(client, "transformer", kind="library") == ["transformers-lib"]
    assert found(client, "deep", language="zh") == ["d2l-zh"]
    html = page(client, "attention", kind="paper")
    assert 'name="kind" value="paper" checked' in html


def test_the_resource_list_honours_q_with_its_filters(client, catalogue):
    response = client.get("/en/resources/", {"q": "attention", "kind": "paper"})
    html = response.content.decode()
    assert "/en/resources/aiayn/" in html and "/en/resources/survey/" not in html
    response = client.get("/en/resources/", {"q": "attention"})
    html = response.content.decode()
    assert html.index("/en/resources/aiayn/") < html.index("/en/resources/survey/")


def test_empty_and_fruitless_searches_say_so_and_suggest_concepts(client, catalogue):
    html = page(client, "")
    assert "Type a topic" in html and "Start from the foundations" in html
    html = page(client, "zzzzqqq")
    assert "No resource matches “zzzzqqq”" in html and "Start from the foundations" in html


def test_search_escapes_the_query_it_echoes(client, catalogue):
    html = page(client, "<img src=x onerror=alert(1)>")
    assert "<img src=x onerror" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_both_languages_find_the_same(client, catalogue):
    for q in ["attention", "卷积", "大模型"]:
        assert listed(page(client, q)) == listed(page(client, q, page_language="zh-hans"))


@pytest.mark.parametrize("extra", [0, 40])
def test_a_search_costs_the_same_queries_whatever_the_catalogue(
    client, catalogue, make, extra, django_assert_num_queries
):
    for i in range(extra):
        make.resource(title=f"Attention variant {i}", tags=["attention"])
    engine.parse_query("warm")  # the queue of the rows just written is indexed
    # catalogue version, stale queue, synonyms; resources: the page with its count, the cards,
    # their tags; concepts: ranking, rows; paths: ranking, rows.
    with django_assert_num_queries(10):
        client.get("/en/search/", {"q": "attention transformer"})


def test_curated_search_in_english_and_chinese(client, curated_catalogue, db):
    assert "attention-is-all-you-need" in found(client, "attention")[:3]
    assert "convolutional-neural-networks" in found(client, "卷积", "concepts")


@on_postgresql
def test_every_search_query_reads_an_index(db, catalogue):
    """The plan of each query of a search uses the terms' index, never a scan of the terms."""
    parsed = engine.parse_query("attention transformer -adam")
    ranked = engine.ranking(
        parsed,
        ResourceSearchTerm.document.field.related_model.objects.filter(
            engine.matching(parsed, ResourceSearchTerm)
        ),
        ResourceSearchTerm,
    )
    sql, params = ranked.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "resourcesearchterm_lookup" in plan
    assert "Seq Scan on resources_resourcesearchterm" not in plan


def test_a_long_query_uses_its_first_words_and_says_so(client, catalogue):
    html = page(client, " ".join(["attention"] + [f"word{i}" for i in range(20)]))
    assert "only its first twelve were used" in html


@pytest.mark.parametrize("number", ["2", "999999999999999999999999", "-5", "x", "0"])
def test_any_page_number_of_a_search_answers(client, catalogue, number):
    response = client.get("/en/search/", {"q": "attention", "page": number})
    assert response.status_code == 200
    assert "aiayn" in listed(response.content)["resources"]


def test_a_search_that_finds_little_offers_a_correction_keeping_its_operators(client, catalogue):
    html = page(client, "adam or convolutonal")  # finds one: adam
    assert listed(html)["resources"] == ["adam"]
    assert "Did you mean" in html
    assert "/en/search/?q=adam+or+convolutional" in html


def test_the_resource_list_has_a_words_field_and_sorts_a_query_by_relevance(client, catalogue):
    html = client.get("/en/resources/", {"q": "transformer"}).content.decode()
    assert 'name="q" value="transformer"' in html
    assert '<option value="relevance" selected>' in html
    assert "resources match “transformer”." in html
    plain = client.get("/en/resources/").content.decode()
    assert 'value="relevance"' not in plain


def test_a_curator_adds_a_synonym_group_in_the_admin_and_search_applies_it(staff_client, catalogue):
    assert found(staff_client, "亚当") == []
    response = staff_client.post(
        "/admin/resources/synonym/add/", {"slug": "adam", "terms": "Adam\n亚当\n\n亚当 "}
    )
    assert response.status_code == 302
    assert Synonym.objects.get(slug="adam").terms == ["Adam", "亚当"]
    assert found(staff_client, "亚当") == ["adam"]
    refused = staff_client.post("/admin/resources/synonym/add/", {"slug": "one", "terms": "x"})
    assert refused.status_code == 200 and "at least two different terms" in refused.content.decode()


@pytest.fixture
def more(make):
    neurips = make.resource(
        slug="neurips", kind="conference",
        title="Conference on Neural Information Processing Systems (NeurIPS)",
    )  # fmt: skip
    ConferenceEdition.objects.create(conference=neurips, year=2025, location="San Diego")
    make.resource(slug="transformer-zh", title="Transformer 模型详解", language="zh")
    make.resource(slug="lstm", title="Long Short-Term Memory", description="The LSTM paper.")
    make.resource(slug="opt", title="Numerical optimization", description="Optimisation methods.")
    make.resource(slug="xiaobai", title="机器学习小白入门", language="zh")
    make.resource(slug="korean", title="딥러닝 입문")
    make.resource(slug="cs231n", title="CS231n: Deep Learning for Computer Vision")


@pytest.mark.parametrize(
    ("q", "slug"),
    [
        ("NeurIPS 2025", "neurips"),  # a name and a year are two words, or one
        ("neurips2025", "neurips"),
        ("san diego neurips", "neurips"),
        ("LSTMs", "lstm"),
        ("optimisation", "opt"),
        ("optimization", "opt"),
        ("小白", "xiaobai"),  # one-character pieces kept together
        ("딥러닝", "korean"),  # other scripts are words too
        ("cs 231n", "cs231n"),
        ("CS-231n", "cs231n"),
        ("deep\u3000learning computer", "cs231n"),  # the ideographic space is a space
        ("deep\u00a0learning computer", "cs231n"),
    ],
)
def test_the_kinds_of_words_a_newcomer_types(client, catalogue, more, q, slug):
    assert found(client, q)[0] == slug, found(client, q)


def test_typos_next_to_chinese_are_corrected_and_symbol_terms_never(client, catalogue, more):
    html = page(client, "transfomer模型")
    assert "Showing results for “transformer模型”" in html
    assert listed(html)["resources"][0] == "transformer-zh"
    html = page(client, ".NET")
    assert listed(html)["resources"] == ["csharp"] and "Showing results" not in html


def test_did_you_mean_keeps_the_filters(client, catalogue):
    html = page(client, "adam or convolutonal", level="beginner")
    assert "/en/search/?q=adam+or+convolutional&amp;level=beginner" in html


def test_a_query_of_exclusions_only_says_what_is_missing(client, catalogue):
    assert "A minus only leaves words out" in page(client, "-transformer")


def test_the_search_page_says_which_filter_values_it_ignored(client, catalogue):
    assert "Ignored unknown filter value: kind=bogus" in page(client, "attention", kind="bogus")


def test_the_resource_list_with_a_query_and_no_filters_says_so(client, catalogue):
    html = client.get("/en/resources/", {"q": "zzzqqq"}).content.decode()
    assert "No resource matches “zzzqqq”" in html and "these filters" not in html


def test_a_typo_sharing_a_stem_with_another_word_is_still_offered_its_correction(client, make):
    # "recurent" stems to "recur", which "recurring" gives the index: the word is not unknown,
    # but it is one letter from "recurrent", a word of another stem.
    make.concept(name="Recurrent neural networks", slug="rnn")
    make.resource(slug="schedules", title="Recurring schedules for neural network training")
    make.resource(slug="rnn-book", title="Recurrent neural networks explained")

    html = page(client, "recurent neural network")

    assert listed(html)["resources"] == ["schedules"]
    assert "Did you mean" in html
    assert "/en/search/?q=recurrent+neural+network" in html
    # A word of the same stem as its nearest vocabulary word is an inflection, not a typo.
    assert "Did you mean" not in page(client, "recurrings neural network")


def test_a_synonym_group_counts_once_so_saying_it_every_way_does_not_win(client, make):
    # One thing asked for: a document scores the best of the group's ways of saying it, not
    # their sum. The English survey says it four ways; the Chinese book once, in its title.
    make.resource(
        slug="survey",
        title="A survey of LLMs",
        description="Large language models (LLM): 大语言模型, large language model, LLM.",
    )
    make.resource(slug="book", title="大模型入门", language="zh", description="一本书。")
    Synonym.objects.create(
        slug="llm", terms=["大模型", "大语言模型", "LLM", "large language model"]
    )

    assert found(client, "大模型") == ["book", "survey"]  # a Chinese query: Chinese first
    assert found(client, "large language model")[0] == "survey"
