"""Knowledge base retrieval: colloquial questions find their article, the held-out set meets the goal, and
questions about nothing get no article."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ml.knowledge import (
    DEFAULT_ARTICLES_DIR,
    DEV_FILE,
    EVAL_FILE,
    ArticleError,
    KnowledgeBase,
    Question,
    evaluate,
    load_questions,
    parse_article,
)
from ml.knowledge.retrieval import load_synonyms


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.from_dir()


@pytest.mark.parametrize(
    ("question", "article_id"),
    [
        ("如何申请峰谷电价？", "kb-tou-apply"),
        ("闸掉了咋整", "kb-fault-breaker-trip"),
        ("空开跳了合不上", "kb-fault-breaker-trip"),
        ("买了二手房，电费户名想换成我", "kb-transfer-owner"),
        ("邻居有电就我家没电", "kb-fault-single-home"),
        ("路上有根电线掉下来了", "kb-fault-line-down"),
        ("农村报修多长时间能到", "kb-repair-commitment"),
        ("欠费停电了交完钱多久来电", "kb-arrears-restore"),
        ("变压器 T0042 未来 7 天故障风险 0.82，请安排预防性检修", "kb-transformer-preventive"),
    ],
)
def test_colloquial_questions_find_their_article(kb: KnowledgeBase, question: str, article_id: str) -> None:
    assert kb.best(question).article_id == article_id


def test_held_out_questions_meet_the_accuracy_goal(kb: KnowledgeBase) -> None:
    figures = evaluate(kb, load_questions(EVAL_FILE))
    assert figures["n"] == 69
    assert figures["top1"] >= 0.9
    assert figures["top3"] >= 0.97


def test_eval_questions_are_not_dev_questions_and_cover_every_customer_facing_article(kb: KnowledgeBase) -> None:
    held_out, dev = load_questions(EVAL_FILE), load_questions(DEV_FILE)
    assert {q.question for q in held_out} & {q.question for q in dev} == set()
    assert {q.article_id for q in held_out} == {a.article_id for a in kb.articles if a.category != "运维作业"}


@pytest.mark.parametrize("question", ["", "   ", "？？？", "asdfgh", "今天天气不错", "手机屏幕碎了", "帮我订张机票"])
def test_questions_about_nothing_get_no_article(kb: KnowledgeBase, question: str) -> None:
    assert kb.best(question) is None


def test_search_ranks_best_first_and_returns_the_articles_steps(kb: KnowledgeBase) -> None:
    hits = kb.search("谷电怎么申请", k=3)
    assert [h.article_id for h in hits][0] == "kb-tou-apply"
    assert len(hits) == 3
    assert hits[0].score > hits[1].score >= hits[2].score
    assert hits[0].title == "如何申请居民峰谷分时电价"
    assert hits[0].category == "业务办理"
    assert len(hits[0].steps) == 6 and hits[0].steps[0].startswith("确认户号与电表")


def test_repo_has_at_least_25_complete_articles(kb: KnowledgeBase) -> None:
    assert len(kb) == len(list(DEFAULT_ARTICLES_DIR.glob("kb-*.md"))) == 33
    assert all(len(a.steps) >= 4 and len(a.keywords) >= 4 for a in kb.articles)
    assert {a.category for a in kb.articles} == {
        "业务办理",
        "服务规范",
        "故障处理",
        "安全用电",
        "电费服务",
        "电价政策",
        "投诉与建议",
        "运维作业",
    }


def test_article_without_steps_is_rejected_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "kb-empty.md"
    path.write_text(
        "---\nid: kb-empty\ntitle: 空\ncategory: 测试\nkeywords: 空\n---\n只有说明，没有步骤。\n", encoding="utf-8"
    )
    with pytest.raises(ArticleError, match=r"kb-empty\.md:7: no numbered steps"):
        parse_article(path)


def test_article_whose_id_differs_from_its_file_name_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "kb-one.md"
    path.write_text("---\nid: kb-two\ntitle: 一\ncategory: 测试\nkeywords: 一\n---\n1. 步骤\n", encoding="utf-8")
    with pytest.raises(ArticleError, match=r"kb-one\.md:2: id 'kb-two' differs from the file name"):
        parse_article(path)


def test_steps_numbered_out_of_order_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "kb-gap.md"
    path.write_text(
        "---\nid: kb-gap\ntitle: 缺号\ncategory: 测试\nkeywords: 缺号\n---\n1. 一\n3. 三\n", encoding="utf-8"
    )
    with pytest.raises(ArticleError, match=r"kb-gap\.md:8: step numbered 3, expected 2"):
        parse_article(path)


def test_bad_synonym_and_question_lines_name_their_line(tmp_path: Path) -> None:
    synonyms = tmp_path / "synonyms.txt"
    synonyms.write_text("# comment\n跳闸 = 掉闸\n漏保 漏电\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"synonyms\.txt:3: expected 'concept = word"):
        load_synonyms(synonyms)
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"question": "x", "article_id": "kb-tou-apply"}) + '\n{"question": "y"}\n')
    with pytest.raises(ValueError, match=r"q\.jsonl:2:"):
        load_questions(questions)


def test_evaluate_refuses_questions_for_articles_that_do_not_exist(kb: KnowledgeBase) -> None:
    with pytest.raises(ValueError, match="kb-gone"):
        evaluate(kb, [Question("电费", "kb-gone")])
