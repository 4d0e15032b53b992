"""The mean of several pipelines' weights ("model soup"): checkpoints of one run, or runs of one recipe with
other seeds, from one base (same architecture and labels). Used by ``train_ko --average`` and
``train_en --average``."""

from __future__ import annotations

from collections.abc import Sequence

from spacy.language import Language


def average_into(nlps: Sequence[Language], components: Sequence[str]) -> Language:
    """Set the first pipeline's weights of ``components`` to the mean over ``nlps`` and return it; a
    ``ValueError`` when the pipelines differ in a component's architecture or labels."""
    for name in components:
        pipes = [nlp.get_pipe(name) for nlp in nlps]
        walks = [list(pipe.model.walk()) for pipe in pipes]
        if len({len(walk) for walk in walks}) != 1:
            raise ValueError(f"{name}: the pipelines to average differ in architecture")
        if len({tuple(getattr(pipe, "labels", ())) for pipe in pipes}) != 1:
            raise ValueError(f"{name}: the pipelines to average differ in labels")
        for nodes in zip(*walks):
            for param in nodes[0].param_names:
                if all(node.has_param(param) for node in nodes):
                    nodes[0].set_param(param, sum(node.get_param(param) for node in nodes) / len(nodes))
    return nlps[0]
