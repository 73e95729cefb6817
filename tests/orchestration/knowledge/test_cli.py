"""`python -m orchestration kb search` prints the best article with its steps and two more candidates."""

from __future__ import annotations

from orchestration.cli import main


def test_kb_search_prints_best_article_steps_and_two_candidates(capsys) -> None:
    assert main(["kb", "search", "如何申请峰谷电价？"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("如何申请居民峰谷分时电价  [kb-tou-apply · 业务办理 · 得分 ")
    assert [line.split(".")[0].strip() for line in lines[1:7]] == ["1", "2", "3", "4", "5", "6"]
    assert lines[7] == "其他候选："
    assert len(lines) == 10 and all("得分" in line for line in lines[8:])


def test_kb_search_says_so_when_no_article_fits(capsys) -> None:
    assert main(["kb", "search", "帮我订张机票"]) == 1
    assert capsys.readouterr().out.splitlines()[0] == "没有找到与“帮我订张机票”匹配的知识文章。"
