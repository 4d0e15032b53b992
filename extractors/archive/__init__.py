"""Archives: ZIP, TAR (+gz/bz2/xz), 7z, single-stream GZ/BZ2/XZ. Members become children.

Limits (``ctx.limits``): nesting depth, member count, total expanded bytes and expansion
ratio. Members are written under names the extractor picks, so ``../`` and absolute paths
cannot escape; links and device entries are never followed or written.
"""

from __future__ import annotations

from extractors.base import ExtractContext, Extracted, Method, Status, TooLargeError
from extractors.children import ChildSink


def check_depth(ctx: ExtractContext) -> None:
    """Refuse to expand an archive nested deeper than the limit."""
    if ctx.depth >= ctx.limits.archive_max_depth:
        raise TooLargeError(
            f"archive nested {ctx.depth} levels deep; members below depth {ctx.limits.archive_max_depth} are not expanded"
        )


def archive_result(sink: ChildSink, meta: dict, listing: list[str]) -> Extracted:
    """Status from what was written and what was skipped; the text lists member paths."""
    meta = {**meta, "members": len(sink.children), **sink.metadata()}
    text = "\n".join(listing)
    if not sink.skipped:
        return Extracted(status=Status.OK, text=text, metadata=meta, method=Method.TEXT_LAYER,
                         children=tuple(sink.children))
    first = sink.skipped[0]
    reason = f"{len(sink.skipped)} member(s) not expanded; first: {first.inner_path}: {first.reason}"
    statuses = {s.status for s in sink.skipped}
    if sink.children or len(statuses) > 1:
        status = Status.PARTIAL
    else:
        status = statuses.pop()
        if status == Status.UNSUPPORTED:
            status = Status.PARTIAL
    return Extracted(status=status, text=text, reason=reason, metadata=meta, method=Method.TEXT_LAYER,
                     children=tuple(sink.children))
