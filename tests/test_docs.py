"""The README and the documentation site (docs/, mkdocs.yml): short, linked, navigable, with commands that name
real make targets and config files, and figures copied from the committed reports. Fast, no network, no mkdocs."""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
MAX_README_LINES = 250
GROUPS = ("dataset", "model", "protocol", "experiment")  # config groups a command may name: conf/<group>/<value>.yaml

FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
SHELL = ("bash", "sh", "shell", "console")


def documents() -> list[Path]:
    return [README, *PAGES]


def name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def prose(text: str) -> str:
    """The text without code blocks and inline code, where a link is only text."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def links(path: Path) -> list[str]:
    """The relative link targets of a Markdown file, without their anchors."""
    found = []
    for target in LINK.findall(prose(path.read_text())):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("#"):
            continue  # a URL (https:, mailto:) or an anchor on the same page
        found.append(target.split("#", 1)[0])
    return found


def shell_lines(path: Path) -> list[str]:
    """The lines of a file's shell code blocks (```bash, ```sh, ...), continuation lines joined."""
    lines = []
    for language, body in FENCE.findall(path.read_text()):
        if language in SHELL:
            lines += body.replace("\\\n", " ").splitlines()
    return lines


def words(line: str) -> list[str]:
    line = line.strip().removeprefix("$ ")
    try:
        return shlex.split(line, comments=True)
    except ValueError:  # an unbalanced quote in an example: plain words are enough here
        return line.split("#", 1)[0].split()


def commands(words_of_line: list[str]) -> list[list[str]]:
    """One line's commands, split at ``&&``, ``||``, ``;`` and ``|``."""
    found, current = [], []
    for word in words_of_line:
        if word in ("&&", "||", ";", "|"):
            found.append(current)
            current = []
        else:
            current.append(word)
    return [c for c in [*found, current] if c]


def bench_arguments(command: list[str]) -> list[str] | None:
    """The arguments of ``python -m bench ...`` (any python: ``.venv/bin/python``), else None."""
    for i in range(len(command) - 2):
        if Path(command[i]).name.startswith("python") and command[i + 1 : i + 3] == ["-m", "bench"]:
            return command[i + 3 :]
    return None


def make_targets() -> set[str]:
    rule = re.compile(r"^([A-Za-z0-9][\w.-]*)\s*:(?!=)")
    return {m.group(1) for line in (ROOT / "Makefile").read_text().splitlines() if (m := rule.match(line))}


def subcommands() -> set[str]:
    """``SUBCOMMANDS`` of bench/__main__.py, read without importing bench."""
    tree = ast.parse((ROOT / "bench" / "__main__.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "SUBCOMMANDS" for t in node.targets):
            return set(ast.literal_eval(node.value))
    raise AssertionError("bench/__main__.py defines no SUBCOMMANDS")


def suites() -> set[str]:
    return set(yaml.safe_load((ROOT / "conf" / "suites.yaml").read_text()))


def problems_in(command: list[str], targets: set[str], subs: set[str]) -> list[str]:
    """What in one command names no make target, subcommand or config file."""
    found = []
    if command[0] == "make":
        goals = [w for w in command[1:] if "=" not in w and not w.startswith("-")]
        found += [f"make target {goal!r}" for goal in goals if goal not in targets]
    arguments = bench_arguments(command)
    if arguments is None or any(a.startswith("hydra.searchpath=") for a in arguments):
        return found  # configs on another search path are not in conf/
    if arguments and "=" not in arguments[0] and not arguments[0].startswith("-") and arguments[0] not in subs:
        found.append(f"subcommand {arguments[0]!r}")
    for argument in arguments:
        key, _, value = argument.partition("=")
        if key not in GROUPS or not value:
            continue
        for choice in value.split(","):
            exists = (ROOT / "conf" / key / f"{choice}.yaml").is_file()
            if not exists and not (key == "experiment" and choice in suites()):
                found.append(f"{key}={choice} (no conf/{key}/{choice}.yaml)")
    return found


def table_rows(text: str) -> list[tuple[str, ...]]:
    """Every Markdown table row of ``text``, as stripped cells (separator rows left out)."""
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("|") and line.endswith("|"):
            cells = tuple(c.strip() for c in line[1:-1].split("|"))
            if not all(set(c) <= set(":- ") for c in cells):
                rows.append(cells)
    return rows


def first_table_after(text: str, heading: str) -> list[tuple[str, ...]]:
    rest = text[text.index(heading) :].split("\n", 1)[1]
    block = []
    for line in rest.splitlines():
        if line.strip().startswith("|"):
            block.append(line)
        elif block:
            break
    return table_rows("\n".join(block))


QUOTED = re.compile(r"^<!-- quoted from (reports/[\w.-]+\.md) -->\n((?:>[^\n]*\n?)+)", re.MULTILINE)


def quotes(text: str) -> list[tuple[str, list[str]]]:
    """The blockquotes marked ``<!-- quoted from reports/X.md -->``: the report and the quote's paragraphs."""
    found = []
    for report, block in QUOTED.findall(text):
        lines = [line.removeprefix(">").strip() for line in block.splitlines()]
        paragraphs = " ".join(line or "\n" for line in lines).split("\n")
        found.append((report, [flat(p) for p in paragraphs if p.strip()]))
    return found


def flat(text: str) -> str:
    return " ".join(text.split())


def misquoted(text: str) -> list[str]:
    """The quoted paragraphs of ``text`` that their committed report does not hold word for word."""
    return [
        f"{report}: {paragraph!r}"
        for report, paragraphs in quotes(text)
        for paragraph in paragraphs
        if paragraph not in flat((ROOT / report).read_text())
    ]


class IgnoreTags(yaml.SafeLoader):
    """mkdocs.yml may hold tags such as ``!!python/name:``; the nav does not need them."""


IgnoreTags.add_multi_constructor("", lambda loader, suffix, node: None)


def nav_pages(entry) -> list[str]:
    if isinstance(entry, str):
        return [entry] if entry.endswith(".md") else []
    if isinstance(entry, dict):
        return [p for value in entry.values() for p in nav_pages(value)]
    if isinstance(entry, list):
        return [p for item in entry for p in nav_pages(item)]
    return []


def test_the_readme_is_short_and_keeps_its_first_screen():
    text = README.read_text()
    assert len(text.splitlines()) <= MAX_README_LINES, f"README.md has {len(text.splitlines())} lines"
    assert text.startswith("# bench\n")
    quick = text[text.index("## Quick start") :]
    first_block = FENCE.search(quick).group(2)
    for target in ("make run", "make ui", "make test"):
        assert target in first_block, f"the quick start's first block lacks {target!r}"


@pytest.mark.parametrize("path", documents(), ids=name)
def test_relative_links_point_to_files_that_exist(path):
    missing = [t for t in links(path) if not (path.parent / t).exists()]
    assert not missing, f"{name(path)} links to missing files: {missing}"


@pytest.mark.parametrize("path", PAGES, ids=name)
def test_site_pages_link_only_inside_the_site(path):
    """mkdocs builds docs/ alone: a link out of it would be broken on the site (and fails --strict)."""
    outside = [t for t in links(path) if DOCS.resolve() not in (path.parent / t).resolve().parents]
    assert not outside, f"{name(path)} links outside docs/: {outside}"


def test_every_page_is_in_the_nav_and_every_nav_entry_is_a_page():
    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=IgnoreTags)
    in_nav = nav_pages(config["nav"])
    assert len(in_nav) == len(set(in_nav)), f"pages listed twice in the nav: {in_nav}"
    on_disk = {str(p.relative_to(DOCS)) for p in PAGES}
    assert set(in_nav) == on_disk, f"not in the nav: {on_disk - set(in_nav)}; not a page: {set(in_nav) - on_disk}"


@pytest.mark.parametrize("path", documents(), ids=name)
def test_commands_name_real_make_targets_subcommands_and_configs(path):
    targets, subs = make_targets(), subcommands()
    problems = [
        f"{line.strip()!r}: {problem}"
        for line in shell_lines(path)
        for command in commands(words(line))
        for problem in problems_in(command, targets, subs)
    ]
    assert not problems, f"{name(path)}:\n" + "\n".join(problems)


def test_the_command_check_catches_what_it_should():
    targets, subs = make_targets(), subcommands()
    assert problems_in(["make", "no-such-target"], targets, subs)
    assert problems_in([".venv/bin/python", "-m", "bench", "dataset=digitz"], targets, subs)
    assert problems_in(["python", "-m", "bench", "model=mlp,svmm"], targets, subs)
    assert problems_in(["python", "-m", "bench", "reprot"], targets, subs)
    assert not problems_in(["python", "-m", "bench", "experiment=claims/svm_cost", "protocol=cv"], targets, subs)
    assert not problems_in(["python", "-m", "bench", "experiment=claims_quick"], targets, subs)


@pytest.mark.parametrize(
    ("report", "heading", "page"),
    [
        ("claims.md", "### The article's claims", "evidence.md"),
        ("benchmark.md", "### Test accuracy, mean", "evidence.md"),
        ("perf.md", "## Targets", "performance.md"),
        ("mlp_reference.md", "## Summary", "recipe.md"),
        ("mlp_recipe.md", "## What each ingredient of the recipe buys", "recipe.md"),
    ],
)
def test_tables_copied_from_a_committed_report_match_it(report, heading, page):
    committed = first_table_after((ROOT / "reports" / report).read_text(), heading)
    assert committed, f"reports/{report} has no table after {heading!r}"
    shown = set(table_rows((DOCS / page).read_text()))
    missing = [row for row in committed if row not in shown]
    assert not missing, f"docs/{page} differs from reports/{report} in: {missing}"


def test_the_readme_verdicts_are_the_committed_reports():
    report = (ROOT / "reports" / "claims.md").read_text()
    committed = {row[0]: row[2] for row in first_table_after(report, "### The article's claims")[1:]}
    shown = {row[0]: row[2] for row in table_rows(README.read_text()) if row[0].isdigit() and len(row) >= 3}
    assert shown == committed


@pytest.mark.parametrize("path", documents(), ids=name)
def test_paragraphs_quoted_from_a_committed_report_are_in_it_word_for_word(path):
    assert not misquoted(path.read_text())


def test_the_readme_and_the_evidence_page_quote_the_benchmarks_answer():
    for path in (README, DOCS / "evidence.md"):
        quoted = [paragraphs for report, paragraphs in quotes(path.read_text()) if report == "reports/benchmark.md"]
        assert quoted and all(quoted), f"{name(path)} quotes nothing of reports/benchmark.md"


def test_the_quote_check_catches_a_changed_figure():
    report = (ROOT / "reports" / "benchmark.md").read_text()
    sentence = next(line for line in report.splitlines() if line.startswith("Average rank across datasets"))
    assert not misquoted(f"<!-- quoted from reports/benchmark.md -->\n> {sentence}\n")
    changed = re.sub(r"\d", lambda m: str((int(m.group()) + 1) % 10), sentence, count=1)
    assert changed != sentence and misquoted(f"<!-- quoted from reports/benchmark.md -->\n> {changed}\n")
    wrapped = sentence.replace(", ", ",\n> ", 1)  # a quote wrapped over lines is the same text
    assert not misquoted(f"<!-- quoted from reports/benchmark.md -->\n> {wrapped}\n")


@pytest.mark.slow
def test_the_documented_model_config_of_ones_own_runs_as_written(tmp_path):
    """docs/sweeps.md's recipe for a model-specific value: its YAML file and its command, run as printed."""
    import mlflow
    from conftest import run_main

    text = (DOCS / "sweeps.md").read_text().split("## A model-specific value in a multi-model sweep")[1]
    blocks = re.findall(r"```(yaml|bash)\n(.*?)```", text, flags=re.DOTALL)
    config = next(body for kind, body in blocks if kind == "yaml" and body.startswith("# my_conf/"))
    path = config.splitlines()[0].removeprefix("# ")
    (tmp_path / path).parent.mkdir(parents=True)
    (tmp_path / path).write_text(config)
    command = next(line for kind, body in blocks for line in body.splitlines() if "hydra.searchpath" in line)
    args = shlex.split(command)[3:]  # after python -m bench
    done = run_main(*args, "dataset=iris", "seed=0", "report.enabled=false", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    client = mlflow.MlflowClient(f"sqlite:///{tmp_path}/mlruns.db")
    experiment = client.get_experiment_by_name("bench").experiment_id
    runs = client.search_runs([experiment], "tags.`bench.run_key` != ''", max_results=10)
    svm = next(r for r in runs if r.data.tags["bench.model"] == "svm")
    assert len(runs) == 2 and svm.data.params["model.C"] == "10"
