"""Imported by the enrichment model server as it starts, and by nothing else: it loads the models the run asked
for (:func:`evidex.pipeline.zygote.load_preloaded`), so the workers forked from it have them."""

from evidex.pipeline.zygote import load_preloaded

load_preloaded()
