"""The `papershelf` command: a thin layer over the library (parse arguments, call, print).

Exit codes: 0 ok, 1 a user error (bad seed, bad YAML edit: the message says file:line),
2 a usage error (unknown option, missing argument).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import click

from . import __version__
from .errors import PapershelfError, Problem

EPILOG_ROOT = "Run it in the project folder (the one with mkdocs.yml), or pass --root."


def _progress(items, label: str):
    """A progress bar on a terminal (the work takes seconds); nothing when piped or in CI."""
    if not sys.stdout.isatty():
        yield from items
        return
    with click.progressbar(list(items), label=label, file=sys.stderr, show_eta=False) as bar:
        yield from bar


def _fail(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(f"Error: {problem}" if problem.severity == "error" else str(problem), err=True)
    sys.exit(1)


class _Commands(click.Group):
    """The command group: a failed read or write in any command (read-only folder, full disk)
    is reported as `Error: PATH: reason` with exit code 1, never as a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except OSError as exc:
            _fail([_os_problem(exc)])


def _os_problem(exc: OSError) -> Problem:
    where = exc.filename2 if exc.filename2 is not None else exc.filename
    reason = exc.strerror or str(exc)
    return Problem(str(where) if where is not None else "papershelf", None, None, reason)


def _root_option(f):
    return click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
                        show_default=True, help="Project folder (holds mkdocs.yml, tags.yml, seeds/).")(f)


def _strict_option(f):
    return click.option("--strict", is_flag=True, help="Treat warnings as errors (like mkdocs --strict).")(f)


def _warn(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EPILOG_ROOT)
@click.version_option(__version__, prog_name="papershelf")
def main() -> None:
    """papershelf: turn saved paper listings into a searchable reading-list site.

    \b
    Example:
      papershelf check && papershelf build
    """


@main.command()
@_root_option
@_strict_option
def check(root: Path, strict: bool) -> None:
    """Validate seeds/sources.yml, the captures, tags.yml, curation.yml and mkdocs.yml's URLs; list every problem.

    \b
    Example:
      papershelf check --strict
    """
    from .placeholders import allowed, example_url_problems
    from .site import load_project

    try:
        papers, _, _, _, problems = load_project(root, strict=strict)
    except PapershelfError as exc:
        _fail(exc.problems)
    problems = problems + ([] if allowed() else example_url_problems(root))  # mkdocs.yml's example URLs
    if strict and any(p.file == "mkdocs.yml" for p in problems):
        _fail(problems)
    _warn(problems)
    click.echo(f"ok: {len(papers)} papers, {len(problems)} warning(s)")


@main.command()
@_root_option
@_strict_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write the project into (not the project folder, nor inside its docs/).")
def generate(root: Path, strict: bool, out: Path) -> None:
    """Write a complete MkDocs project that builds without papershelf (only changed files are rewritten).

    OUT/docs/ gets the generated pages and the project's own docs/, OUT/overrides/ its
    overrides/, and OUT/mkdocs.yml the project's mkdocs.yml with the nav written out and the
    hook left out: `mkdocs build -f OUT/mkdocs.yml` (or `properdocs build`) builds the site
    with no papershelf code.

    \b
    Example:
      papershelf generate --out build/project && mkdocs build --strict -f build/project/mkdocs.yml
    """
    from .errors import raise_if_errors
    from .placeholders import allowed, example_url_problems
    from .project import check_out_folder, project_files, read_config, site_settings
    from .site import build_site
    from .write import write_tree

    try:
        config = read_config(root)
        check_out_folder(root, config, out)
        site_name, site_url = site_settings(config)
        site = build_site(root, strict=strict, site_name=site_name, site_url=site_url, progress=_progress)
        files, notes = project_files(root, config, site.files(), site.nav())
        notes += [] if allowed() else example_url_problems(root)  # (the written project has no hook to say so)
        raise_if_errors(notes, strict)
        report = write_tree(out, files)
    except PapershelfError as exc:
        _fail(exc.problems)
    _warn(site.problems + notes + report.kept)
    click.echo(f"{len(report.written)} written, {len(report.unchanged)} unchanged, "
               f"{len(report.removed)} removed, {len(report.kept)} left alone -> {out}")


@main.command()
@_root_option
@click.option("--seeds", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="Another captures folder with its own sources.yml (default: ROOT/seeds).")
def export(root: Path, seeds: Path | None) -> None:
    """Print every paper as a JSON array on stdout.

    \b
    Example:
      papershelf export > papers.json
    """
    from .export import papers_json
    from .site import load_project

    try:
        papers, *_, problems = load_project(root, seeds=seeds)
    except PapershelfError as exc:
        _fail(exc.problems)
    _warn(problems)
    on_site = [p for p in papers if not p.hidden]
    try:
        click.echo(papers_json(on_site), nl=False)
        sys.stdout.flush()  # a full disk shows here, not at exit
    except OSError as exc:
        sys.stdout = open(os.devnull, "w")  # nothing more to write (the unwritten rest is dropped)
        _fail([Problem("<stdout>", None, None, exc.strerror or str(exc))])


@main.command()
@_root_option
def stats(root: Path) -> None:
    """A curator's to-do list: papers per theme and tag, untagged papers, rarely used tags.

    \b
    Example:
      papershelf stats
    """
    from .site import load_project

    try:
        papers, _, taxonomy, _, _ = load_project(root)
    except PapershelfError as exc:
        _fail(exc.problems)
    on_site = [p for p in papers if not p.hidden]
    themes = Counter(p.theme for p in on_site)
    tags = Counter(t for p in on_site for t in p.tags)
    click.echo(f"{len(on_site)} papers ({len(papers) - len(on_site)} hidden)\n\nPapers per theme:")
    for theme in taxonomy.themes:
        click.echo(f"  {themes.get(theme.slug, 0):5d}  {theme.slug}")
    click.echo("\nPapers per tag:")
    for tag in sorted(taxonomy.tags, key=lambda t: (-tags[t.slug], t.slug)):
        click.echo(f"  {tags[tag.slug]:5d}  {tag.slug}")
    other = [p for p in on_site if p.theme == "other"]
    untagged = [p for p in on_site if not p.tags]
    rare = [t.slug for t in taxonomy.tags if tags[t.slug] < 2]
    click.echo(f"\nIn 'other' ({len(other)}): " + ", ".join(p.slug for p in other))
    click.echo(f"No tags ({len(untagged)}): " + ", ".join(p.slug for p in untagged))
    click.echo(f"Tags used fewer than twice ({len(rare)}): " + ", ".join(rare))


@main.command()
@_root_option
@click.argument("slug")
@click.option("--tag", "tag_name", metavar="TAG", help="Also say why this tag did (or did not) fire: its score "
              "against what it needs, and the rules of it that nearly matched.")
def explain(root: Path, slug: str, tag_name: str | None) -> None:
    """Why a paper has its tags and theme: the strings that counted for each tag, where, and the
    curation edits applied.

    \b
    Example:
      papershelf explain distilbert-a-distilled-version-of-bert-smaller-faster-cheaper-and-lighter
      papershelf explain llmzip-lossless-text-compression-using-large-language-models --tag quantization
    """
    from .explain import hit_lines, why_not_lines
    from .site import load_project
    from .validate import suggest

    try:
        papers, _, taxonomy, curation, _ = load_project(root)
    except PapershelfError as exc:
        _fail(exc.problems)
    paper = next((p for p in papers if p.slug == slug), None)
    if paper is None:
        _fail([Problem("papershelf", None, None, f"no paper '{slug}'{suggest(slug, [p.slug for p in papers])}")])
    tag_slug = taxonomy.resolve_tag(tag_name) if tag_name else None
    if tag_name and tag_slug is None:
        raise click.UsageError(f"no tag '{tag_name}'{suggest(tag_name, [t.slug for t in taxonomy.tags])}")
    lines, rule_tags, rule_theme, rule_secondary = hit_lines(paper, taxonomy)
    click.echo(f"{paper.title}\n  from: {', '.join(paper.origins)}\n\nTags that scored (+ given), "
               "with what counted, where, and its score:")
    click.echo("\n".join(lines) or "  (none)")
    if tag_slug:
        click.echo("\n" + "\n".join(why_not_lines(paper, taxonomy, tag_slug)))
    click.echo(f"\nBy the rules: tags {', '.join(rule_tags) or '(none)'}; theme {rule_theme}; "
               f"secondary theme {rule_secondary or '(none)'}")
    edit = curation.edits.get(slug)
    if edit:
        click.echo("Curation edits (curation.yml): " + ", ".join(
            f"{k}={v!r}" for k, v in vars(edit).items() if k != "slug" and v not in ((), None, False)))
    else:
        click.echo("Curation edits: none")
    click.echo(f"Final: tags {', '.join(paper.tags) or '(none)'}; theme {paper.theme}; "
               f"secondary theme {paper.secondary_theme or '(none)'}"
               + (f"; status {paper.status}" if paper.status else "") + ("; hidden" if paper.hidden else ""))


@main.command()
@_root_option
@click.argument("items", nargs=-1, required=True, metavar="FILE|ID...")
@click.option("--title", help="A human name for the list (default: the file name).")
@click.option("--captured", help="The day the listing was saved, YYYY-MM-DD (default: today).")
@click.option("--dry-run", is_flag=True, help="Show what would change and write nothing (identifiers, .json files).")
def add(root: Path, items: tuple[str, ...], title: str | None, captured: str | None, dry_run: bool) -> None:
    """Add papers: a capture (.txt listing or .bib), arXiv ids and paper URLs, or a saved .json answer.

    A capture is copied into seeds/ and named in seeds/sources.yml. An arXiv id, an arxiv.org or
    huggingface.co/papers URL is looked up on Hugging Face (HF_ENDPOINT); those papers and the
    ones in a saved Hugging Face API answer (.json: daily papers, search results) are appended to
    seeds/papers.yml, their metadata to seeds/metadata.yml.

    \b
    Example:
      papershelf add ~/Downloads/long-context.txt --title "Long context" --captured 2026-11-20
      papershelf add 2106.09685 https://arxiv.org/abs/2305.14314 --dry-run
    """
    from datetime import date

    from .add import add_capture
    from .add_ids import kind_of

    if "file" not in [kind_of(item) for item in items]:
        if title or captured:
            raise click.UsageError("--title and --captured are for a capture file (.txt, .bib)")
        _add_identifiers(root, list(items), dry_run)
        return
    if len(items) > 1 or dry_run:
        raise click.UsageError("a capture file (.txt, .bib) is added on its own, without --dry-run")
    file = Path(items[0])

    when = None
    if captured:
        try:
            when = date.fromisoformat(captured)
        except ValueError:
            raise click.BadParameter(f"{captured!r} is not a date YYYY-MM-DD", param_hint="--captured")
    try:
        report = add_capture(root / "seeds", file, title, when)
    except PapershelfError as exc:
        _fail(exc.problems)
    _warn(report.problems)
    click.echo(f"added seeds/{report.file}: {report.entries} entries, {len(report.new)} new papers, "
               f"{len(report.known)} already in the list, {len(report.problems)} unreadable")
    for title_, where in report.known:
        click.echo(f"  already listed: {title_} -> {where}")


def _add_identifiers(root: Path, items: list[str], dry_run: bool) -> None:
    """`add` for arXiv ids, paper URLs and saved .json answers (add_ids.py)."""
    from .add_ids import add_identifiers

    try:
        report = add_identifiers(root, items, dry_run=dry_run)
    except PapershelfError as exc:
        _fail(exc.problems)
    _warn(report.problems)
    click.echo(f"{'would add' if dry_run else 'added'} {len(report.added)} new papers to seeds/papers.yml, "
               f"{len(report.known)} already in the list; {len(report.recorded)} records for seeds/metadata.yml"
               + (" (dry run: nothing written)" if dry_run else ""))
    for paper in report.added:
        click.echo(f"  new: {paper.title} (arXiv {paper.arxiv})")
    for title_, where in report.known:
        click.echo(f"  already listed: {title_} -> {where}")


@main.command()
@_root_option
@click.option("--refresh", is_flag=True, help="Ask again about papers already in the lock file (never hand entries).")
@click.option("--only", multiple=True, metavar="SLUG",
              help="Ask only about this paper, even if known (repeat for several).")
@click.option("--jobs", type=click.IntRange(1, 4), default=2, show_default=True, help="Requests in flight at most.")
def enrich(root: Path, refresh: bool, only: tuple[str, ...], jobs: int) -> None:
    """Look each new paper up on Hugging Face once; record arXiv id, authors, date, code in seeds/metadata.yml.

    Sends each paper's title (a search) and then the arXiv id it found to HF_ENDPOINT
    (https://huggingface.co unless set; HF_TOKEN if set). A paper is matched only when the
    titles are the same and the abstracts agree; misses are recorded too, so the next run asks
    only about new papers. Entries a curator pinned (pinned: true, arxiv: none) are never changed.

    \b
    Example:
      papershelf enrich && git diff seeds/metadata.yml
    """
    from .enrich import enrich as run_enrich

    try:
        report = run_enrich(root, refresh=refresh, only=only, jobs=jobs, progress=_progress)
    except PapershelfError as exc:
        _fail(exc.problems)
    _warn(report.problems)
    for line in report.errors:
        click.echo(f"error: {line}", err=True)
    if report.stopped:
        click.echo(f"Error: {report.stopped} (seeds/metadata.yml keeps the {report.saved} entries so far)", err=True)
    click.echo(report.summary())
    if report.stopped or report.errors:
        sys.exit(1)


def _check_writable(folder: Path) -> None:
    """Before the builder starts: the site folder can be made and written to (a read-only or
    full disk is then `Error: PATH: reason`, not the builder's traceback)."""
    from .write import atomic_write

    probe = folder / ".papershelf-write-test"
    atomic_write(probe, b"papershelf checks that the site folder can be written\n")
    probe.unlink()


def _run_builder(args: list[str], root: Path) -> None:
    """MkDocs, or ProperDocs where MkDocs is not installed (builder.py), on the project's mkdocs.yml."""
    from .builder import builder_command

    try:
        command = builder_command()
    except PapershelfError as exc:
        _fail(exc.problems)
    sys.exit(subprocess.call([*command, *args, "-f", str(root / "mkdocs.yml")]))


@main.command()
@_root_option
@click.option("-d", "--site-dir", default="site", show_default=True, help="Where to write the HTML site.")
def build(root: Path, site_dir: str) -> None:
    """Generate the pages and build the site strictly (mkdocs build --strict, or properdocs).

    \b
    Example:
      papershelf build -d site
    """
    site = Path(site_dir).resolve()
    _check_writable(site)
    _run_builder(["build", "--strict", "-d", str(site)], root)


@main.command()
@_root_option
@click.option("-a", "--dev-addr", default="127.0.0.1:8000", show_default=True, help="Address to serve on.")
def serve(root: Path, dev_addr: str) -> None:
    """Preview the site with live reload (mkdocs serve, or properdocs); edits to the YAML files rebuild it.

    \b
    Example:
      papershelf serve -a 127.0.0.1:8001
    """
    _run_builder(["serve", "-a", dev_addr], root)


if __name__ == "__main__":  # pragma: no cover
    main()
