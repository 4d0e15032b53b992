/* A page's ruled grids in one call (extractors/pdftables.py ``find_tables`` up to the cell text): rules from
 * the census's path bounds (thin paths) and from the straight edges of larger paths, merged along their lines,
 * grouped into grids of crossing rules and cut into cells, with the same arithmetic as the Python (and the
 * grid.c functions it calls), so the same grids and cells; what Python did between those calls (lists of
 * tuples, array conversions, one call per path) is done here. */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evx.h"

typedef struct {
    double thin;        /* a path thinner than this in one direction is a rule */
    double min_length;  /* ... when at least this long */
    double snap;        /* rules this close are on one line */
    double join;        /* collinear rules with gaps up to this are one */
    double inset;       /* cell text is read this far inside the rules */
    int min_rules;      /* a page needs this many rules to be looked at further */
    long max_cells;     /* a grid of more (rules across less one times rules down less one) is not a table */
} evx_ruled_params;

typedef struct {
    double *at;
    long n, cap;
} evx_rows; /* rows of (position, start, end) */

static int push(evx_rows *rows, double position, double start, double end) {
    if (rows->n == rows->cap) {
        long cap = rows->cap ? 2 * rows->cap : 64;
        double *at = realloc(rows->at, sizeof(double) * 3 * (size_t)cap);
        if (!at) return -1;
        rows->at = at;
        rows->cap = cap;
    }
    double *r = rows->at + 3 * rows->n++;
    r[0] = position; r[1] = start; r[2] = end;
    return 0;
}

typedef struct {
    double *out;
    long cap, used;
} evx_writer; /* what does not fit is counted, not written: the caller asks again with room for ``used`` */

static void put(evx_writer *w, double value) {
    if (w->used < w->cap) w->out[w->used] = value;
    w->used++;
}

/* The rules of the page: thin paths' bounds (``bounds``: left, bottom, right, top per path) and the edges of
 * paths that are neither thin nor small (``_rules``). Returns 0, or -1 without memory. */
static int page_rules(const evx_path_api *api, void *const *paths, const double *bounds, long n,
                      const evx_ruled_params *p, evx_rows *h, evx_rows *v) {
    long room = 2L * api->max_segments + 2;
    double *eh = malloc(sizeof(double) * 3 * (size_t)room), *ev = malloc(sizeof(double) * 3 * (size_t)room);
    int failed = !eh || !ev;
    for (long k = 0; k < n && !failed; k++) {
        const double *b = bounds + 4 * k;
        double left = b[0], bottom = b[1], right = b[2], top = b[3];
        double width = right - left, height = top - bottom;
        int flat = height <= p->thin, narrow = width <= p->thin;
        if (flat && width >= p->min_length) {
            double position = (bottom + top) / 2;  /* not finite from reversed infinite bounds: no rule */
            failed = isfinite(position) ? push(h, position, left, right) : 0;
        } else if (!flat && narrow && height >= p->min_length) {
            double position = (left + right) / 2;
            failed = isfinite(position) ? push(v, position, bottom, top) : 0;
        } else if (!flat && !narrow && (width >= p->min_length || height >= p->min_length)) {
            evx_rules edges = {eh, room, 0, ev, room, 0};
            evx_path_edges(api, paths[k], &edges);  /* what fitted is kept, as the Python keeps it */
            for (long j = 0; j < edges.n_h && !failed; j++)
                failed = push(h, eh[3 * j], eh[3 * j + 1], eh[3 * j + 2]);
            for (long j = 0; j < edges.n_v && !failed; j++)
                failed = push(v, ev[3 * j], ev[3 * j + 1], ev[3 * j + 2]);
        }
    }
    free(eh);
    free(ev);
    return failed ? -1 : 0;
}

/* The rectangle each cell's text is read from: ``inset`` inside its rules, or a quarter of its width or height
 * when that is less (``pdftables._read_grids``). */
static void put_rects(evx_writer *w, const double *xs, const double *ys, const int *spans, int m, double inset) {
    for (int k = 0; k < m; k++) {
        const int *s = spans + 4 * k;
        double left = xs[s[1]], right = xs[s[3] + 1], top = ys[s[0]], bottom = ys[s[2] + 1];
        double across = (right - left) / 4, down = (top - bottom) / 4;
        double smaller = across < down ? across : down;  /* numpy's minimum, for numbers that are not NaN */
        double in = inset < smaller ? inset : smaller;
        put(w, left + in); put(w, bottom + in); put(w, right - in); put(w, top - in);
    }
}

/* Each grid of merged rules ``mh`` (nh rows) and ``mv`` (nv rows) with two or more of each, in the order of
 * their groups, as (nx, ny, m, xs, ys, spans, rects) into ``w``; the number of grids first. Returns 0, or -1. */
static int write_grids(const double *mh, int nh, const double *mv, int nv, const evx_ruled_params *p,
                       evx_writer *w) {
    int n = nh + nv;
    int *parent = malloc(sizeof(int) * (size_t)n), *group = malloc(sizeof(int) * (size_t)n);
    int *of_h = calloc((size_t)n, sizeof(int)), *of_v = calloc((size_t)n, sizeof(int));
    double *gh = malloc(sizeof(double) * 3 * (size_t)nh), *gv = malloc(sizeof(double) * 3 * (size_t)nv);
    double *xs = malloc(sizeof(double) * (size_t)nv), *ys = malloc(sizeof(double) * (size_t)nh);
    int *spans = NULL;
    int failed = !parent || !group || !of_h || !of_v || !gh || !gv || !xs || !ys;
    long count_at = w->used;
    put(w, 0.0);
    if (!failed) {
        int groups = evx_grids(mh, nh, mv, nv, p->snap, parent, group), found = 0;
        for (int k = 0; k < nh; k++) of_h[group[k]]++;
        for (int k = 0; k < nv; k++) of_v[group[nh + k]]++;
        for (int g = 0; g < groups && !failed; g++) {
            if (of_h[g] < 2 || of_v[g] < 2) continue;
            long room = (long)(of_h[g] - 1) * (long)(of_v[g] - 1);  /* at most this many cells */
            if (room > p->max_cells) continue;
            int a = 0, b = 0, counts[3];
            for (int k = 0; k < nh; k++)
                if (group[k] == g) memcpy(gh + 3 * a++, mh + 3 * k, 3 * sizeof(double));
            for (int k = 0; k < nv; k++)
                if (group[nh + k] == g) memcpy(gv + 3 * b++, mv + 3 * k, 3 * sizeof(double));
            spans = malloc(sizeof(int) * 4 * (size_t)room);
            if (!spans || evx_cells(gh, a, gv, b, p->snap, p->join, xs, ys, spans, counts)) {
                failed = 1;
                break;
            }
            put(w, counts[0]); put(w, counts[1]); put(w, counts[2]);
            for (int k = 0; k < counts[0]; k++) put(w, xs[k]);
            for (int k = 0; k < counts[1]; k++) put(w, ys[k]);
            for (int k = 0; k < 4 * counts[2]; k++) put(w, spans[k]);
            put_rects(w, xs, ys, spans, counts[2], p->inset);
            free(spans);
            spans = NULL;
            found++;
        }
        if (count_at < w->cap) w->out[count_at] = found;
    }
    free(parent); free(group); free(of_h); free(of_v); free(gh); free(gv); free(xs); free(ys); free(spans);
    return failed ? -1 : 0;
}

/* The ruled grids of a page from its census (``paths`` and their ``bounds``, n of them), written into ``out``
 * (``cap`` doubles): the number of grids, then per grid its numbers of column edges, row edges and cells, the
 * column edges (left to right), the row edges (top to bottom), the cells (row, col, last row, last col) and the
 * rectangles their text is read from (left, bottom, right, top).
 * Returns the number of doubles that needed (more than ``cap``: nothing usable was written, ask again with
 * room), or -1 without memory. */
long evx_ruled_grids(const evx_path_api *api, void *const *paths, const double *bounds, long n,
                     const evx_ruled_params *p, double *out, long cap) {
    evx_writer w = {out, cap, 0};
    evx_rows h = {0}, v = {0};
    double *mh = NULL, *mv = NULL, *work = NULL;
    int failed = 0;
    if (n < p->min_rules) {
        put(&w, 0.0);
        return w.used;
    }
    failed = page_rules(api, paths, bounds, n, p, &h, &v);
    if (!failed && (h.n + v.n < p->min_rules || h.n == 0 || v.n == 0)) {
        put(&w, 0.0);
    } else if (!failed) {
        long most = h.n > v.n ? h.n : v.n;
        mh = malloc(sizeof(double) * 3 * (size_t)h.n);
        mv = malloc(sizeof(double) * 3 * (size_t)v.n);
        work = malloc(sizeof(double) * 3 * (size_t)most);
        failed = !mh || !mv || !work;
        int nh = failed ? -1 : evx_merge_rules(h.at, (int)h.n, p->snap, p->join, work, mh);
        int nv = failed ? -1 : evx_merge_rules(v.at, (int)v.n, p->snap, p->join, work, mv);
        failed = failed || nh < 0 || nv < 0;
        if (!failed && (nh < 2 || nv < 2))
            put(&w, 0.0);
        else if (!failed)
            failed = write_grids(mh, nh, mv, nv, p, &w);
    }
    free(h.at); free(v.at); free(mh); free(mv); free(work);
    return failed ? -1 : w.used;
}
