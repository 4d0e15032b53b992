"""CLI commands for topics: ``classify``, ``label`` and ``topics train|evaluate|list|discover``."""

from __future__ import annotations

from dataclasses import asdict

import click

from evidex.cli.context import echo_json




def register_topic_commands(main: click.Group) -> None:
    """Attach the topic commands to the main group."""

    @main.command()
    @click.argument("source")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_context
    def classify(ctx: click.Context, source: str, as_json: bool) -> None:
        """Topics and scores of a file's text or of standard input (-)."""
        from evidex.cli.tools import read_text
        from models.topics import TopicModel

        settings = ctx.obj["settings"]
        text, _ = read_text(source, ctx)
        topics = TopicModel.load(settings.active_topics_dir()).predict([text])[0]
        if as_json:
            echo_json([{"label": t.label, "score": round(t.score, 4)} for t in topics])
            return
        if not topics:
            click.echo("(no topic above its threshold)")
        for t in topics:
            click.echo(f"{t.label:<24} {t.score:.3f}")

    @main.command()
    @click.argument("doc_id")
    @click.option("--topic", required=True, help="Topic id (see `evidex topics list`).")
    @click.option("--remove", is_flag=True, help="Remove the label instead of adding it.")
    @click.option("--as", "as_user", help="Label as name@agency[:roles] (default EVIDEX_USER or the operator).")
    @click.pass_context
    def label(ctx: click.Context, doc_id: str, topic: str, remove: bool, as_user: str | None) -> None:
        """Set an analyst's topic label on an indexed document (feeds `evidex topics train`)."""
        from evidex.search.identity import cli_user
        from evidex.search.labels import LabelStore
        from evidex.search.factory import search_service

        settings = ctx.obj["settings"]
        known = {t.id for t in settings.taxonomy().topics}
        store = LabelStore(settings.data_dir, search_service(settings))
        try:
            labels = store.set(cli_user(as_user), doc_id, topic, remove=remove, known_topics=known)
        except (PermissionError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"{doc_id}: {', '.join(sorted(labels)) or '(no labels)'}")

    @main.group()
    def topics() -> None:
        """The topic classifier: train from analysts' labels, evaluate, list, discover themes."""

    @topics.command("train")
    @click.option("--seed", default=0, show_default=True)
    @click.option("--as", "as_user", help="Train from the labels this user may see.")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_context
    def topics_train(ctx: click.Context, seed: int, as_user: str | None, as_json: bool) -> None:
        """Run the retrain_topics flow: corpus + labels → candidate → promoted only if not worse."""
        from evidex.search.identity import cli_user
        from flows.runtime import run_retrain

        from evidex.cli.batches import Progress

        with Progress(ctx.obj["settings"].progress) as progress:
            summary = run_retrain(ctx.obj["settings"], cli_user(as_user), seed, progress)
        if as_json:
            echo_json(asdict(summary))
            return
        click.echo(f"labelled documents used: {summary.labelled_documents}")
        click.echo(f"candidate {summary.version}: test macro-F1 {summary.candidate_macro_f1:.4f} "
                   f"(keyword baseline {summary.keyword_macro_f1:.4f})")
        click.echo(f"{'promoted' if summary.promoted else 'kept current model'}: {summary.reason}")
        click.echo(f"active model: {summary.active_dir}")

    @topics.command("evaluate")
    @click.option("--cv", is_flag=True, help="Also cross-validate on the training part (slower).")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_context
    def topics_evaluate(ctx: click.Context, cv: bool, as_json: bool) -> None:
        """Score the active model and the keyword baseline on the corpus's fixed test part."""
        from models.topics import cross_validate, evaluate, load_corpus
        from models.topics.evaluation import format_report

        taxonomy = ctx.obj["settings"].taxonomy()
        comparisons = [evaluate(ctx.obj["settings"].active_topics_dir(), load_corpus("test"), taxonomy)]
        if cv:
            comparisons.insert(0, cross_validate(load_corpus("train"), taxonomy, seed=0))
        if as_json:
            echo_json([c.to_dict() for c in comparisons])
        else:
            click.echo(format_report(comparisons))

    @topics.command("list")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_context
    def topics_list(ctx: click.Context, as_json: bool) -> None:
        """Every topic with its agencies and the active model's threshold."""
        from models.topics.model import read_metrics

        thresholds = read_metrics(ctx.obj["settings"].active_topics_dir()).get("thresholds", {})
        rows = [{"id": t.id, "name_ko": t.name_ko, "name_en": t.name_en, "agencies": list(t.agencies),
                 "threshold": thresholds.get(t.id)} for t in ctx.obj["settings"].taxonomy().topics]
        if as_json:
            echo_json(rows)
            return
        for r in rows:
            cut = f"{r['threshold']:.3f}" if r["threshold"] is not None else "untrained"
            click.echo(f"{r['id']:<24} {cut:>9}  {','.join(r['agencies']):<14} {r['name_ko']} / {r['name_en']}")

    @topics.command("discover")
    @click.option("--case", "case_id", required=True, help="Case whose documents to explore.")
    @click.option("-n", "n_topics", default=8, show_default=True, help="Number of themes.")
    @click.option("--max-docs", default=2000, show_default=True)
    @click.option("--as", "as_user", help="Explore as name@agency[:roles].")
    @click.pass_context
    def topics_discover(ctx: click.Context, case_id: str, n_topics: int, max_docs: int, as_user: str | None) -> None:
        """Unsupervised themes (NMF on TF-IDF) of one case's documents, with their top terms."""
        from evidex.search.identity import cli_user
        from evidex.search.factory import search_service
        from models.topics import discover

        service = search_service(ctx.obj["settings"])
        texts = service.case_texts(cli_user(as_user), case_id, limit=max_docs)
        if len(texts) < n_topics:
            raise click.ClickException(f"case {case_id} has {len(texts)} readable document(s); need at least "
                                       f"{n_topics}")
        for cluster in discover(texts, n_topics, 0):
            click.echo(f"{cluster.cluster_id:3} ({len(cluster.doc_indices)} docs): {', '.join(cluster.top_terms)}")
