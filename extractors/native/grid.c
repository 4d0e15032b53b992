/* The table finder's grids and cells (extractors/pdftables.py ``grids`` and ``cells``) in C: the same
 * arithmetic on the same doubles, so the same groups and the same cells, without Python loops over rule pairs
 * and cell neighbours. Built into the same library as census.c by scripts/setup.sh. Rules are ``n × 3`` arrays
 * of (position, start, end): horizontal ones (y, x0, x1), vertical ones (x, y0, y1). */

#include <math.h>
#include <stdlib.h>

#include "evx.h"

static int root(int *parent, int k) {
    while (parent[k] != k) {
        parent[k] = parent[parent[k]];
        k = parent[k];
    }
    return k;
}

/* Groups of crossing rules: ``group[k]`` for node k (horizontal rules 0..nh-1, then vertical ones), numbered
 * in the order of each group's first node. ``parent``: nh + nv ints of room. Returns the number of groups. */
int evx_grids(const double *h, int nh, const double *v, int nv, double snap, int *parent, int *group) {
    int n = nh + nv;
    for (int k = 0; k < n; k++) parent[k] = k;
    for (int i = 0; i < nh; i++) {
        double hy = h[3 * i], hx0 = h[3 * i + 1], hx1 = h[3 * i + 2];
        for (int j = 0; j < nv; j++) {
            double vx = v[3 * j], vy0 = v[3 * j + 1], vy1 = v[3 * j + 2];
            if (vx >= hx0 - snap && vx <= hx1 + snap && hy >= vy0 - snap && hy <= vy1 + snap) {
                int a = root(parent, i), b = root(parent, nh + j);
                if (a != b) parent[a] = b;
            }
        }
    }
    int groups = 0;
    for (int k = 0; k < n; k++) group[k] = -1;
    for (int k = 0; k < n; k++) {
        int r = root(parent, k);
        if (group[r] < 0) group[r] = groups++;  /* a root's own slot holds its group once numbered */
        group[k] = group[r];
    }
    return groups;
}

static int ascending(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Distinct positions of the rules (sorted), those within ``snap`` of the last one kept taken as one. */
static int positions(const double *rules, int n, double snap, double *out) {
    for (int k = 0; k < n; k++) out[k] = rules[3 * k];
    qsort(out, (size_t)n, sizeof(double), ascending);
    int m = 0;
    for (int k = 0; k < n; k++)
        if (m == 0 || out[k] - out[m - 1] > snap) out[m++] = out[k];
    return m;
}

/* Whether a rule at ``position`` runs over the middle of the span from ``a`` to ``b`` (either order). */
static int present(const double *rules, int n, double position, double a, double b, double snap, double join) {
    double lo = a < b ? a : b, hi = a < b ? b : a;
    double quarter = (hi - lo) / 4, margin = join < quarter ? join : quarter;
    for (int k = 0; k < n; k++) {
        const double *r = rules + 3 * k;
        if (fabs(r[0] - position) <= snap && r[1] <= lo + margin && r[2] >= hi - margin) return 1;
    }
    return 0;
}

static int span_order(const void *a, const void *b) {
    const int *x = a, *y = b;
    for (int k = 0; k < 4; k++)
        if (x[k] != y[k]) return x[k] < y[k] ? -1 : 1;
    return 0;
}

/* The column edges ``xs`` (left to right, nv of room), row edges ``ys`` (top to bottom, nh of room) and cells
 * ``spans`` (row, col, last row, last col; 4 ints each, sorted) of one grid; neighbours with no rule between
 * them are one cell. ``counts`` gets the number of xs, ys and spans. Returns 0, or -1 without memory. */
int evx_cells(const double *h, int nh, const double *v, int nv, double snap, double join, double *xs, double *ys,
              int *spans, int *counts) {
    int nx = positions(v, nv, snap, xs);
    int ny = positions(h, nh, snap, ys);
    for (int a = 0, b = ny - 1; a < b; a++, b--) { double t = ys[a]; ys[a] = ys[b]; ys[b] = t; }
    int rows = ny - 1, cols = nx - 1, n = rows > 0 && cols > 0 ? rows * cols : 0;
    counts[0] = nx; counts[1] = ny; counts[2] = 0;
    if (n == 0) return 0;
    int *owner = malloc(sizeof(int) * (size_t)n), *low = malloc(sizeof(int) * 4 * (size_t)n);
    if (!owner || !low) { free(owner); free(low); return -1; }
    for (int k = 0; k < n; k++) owner[k] = k;
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
            int k = r * cols + c;
            if (c + 1 < cols && !present(v, nv, xs[c + 1], ys[r], ys[r + 1], snap, join)) {
                int a = root(owner, k + 1), b = root(owner, k);
                if (a != b) owner[a] = b;
            }
            if (r + 1 < rows && !present(h, nh, ys[r + 1], xs[c], xs[c + 1], snap, join)) {
                int a = root(owner, k + cols), b = root(owner, k);
                if (a != b) owner[a] = b;
            }
        }
    }
    for (int k = 0; k < n; k++) low[4 * k] = -1;  /* per root: its span, filled below */
    for (int k = 0; k < n; k++) {
        int r = k / cols, c = k % cols, *s = low + 4 * root(owner, k);
        if (s[0] < 0) { s[0] = r; s[1] = c; s[2] = r; s[3] = c; continue; }
        if (r < s[0]) s[0] = r;
        if (c < s[1]) s[1] = c;
        if (r > s[2]) s[2] = r;
        if (c > s[3]) s[3] = c;
    }
    int m = 0;
    for (int k = 0; k < n; k++)
        if (owner[k] == k) {
            for (int q = 0; q < 4; q++) spans[4 * m + q] = low[4 * k + q];
            m++;
        }
    qsort(spans, (size_t)m, 4 * sizeof(int), span_order);
    counts[2] = m;
    free(owner);
    free(low);
    return 0;
}

static int lexical(const void *a, const void *b) {
    const double *x = a, *y = b;
    for (int k = 0; k < 3; k++)
        if (x[k] != y[k]) return x[k] < y[k] ? -1 : 1;
    return 0;
}

typedef struct {
    double start, end;
    int order;
} evx_piece;

static int by_start(const void *a, const void *b) {  /* stable: ties keep their order, as Python's sort does */
    const evx_piece *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

/* ``merge_rules``: the rules (n × 3, copied into ``sorted``: n × 3 doubles of room) sorted, cut into lines
 * (a line ends where a rule lies more than ``snap`` past its first one), each line's position the mean of its
 * rules' (summed in order) and its overlapping or nearly touching (``join``) rules joined. Writes n × 3 at
 * most into ``out``; returns how many, or -1 without memory. */
int evx_merge_rules(const double *rules, int n, double snap, double join, double *sorted, double *out) {
    for (int k = 0; k < 3 * n; k++) sorted[k] = rules[k];
    qsort(sorted, (size_t)n, 3 * sizeof(double), lexical);
    evx_piece *line = malloc(sizeof(evx_piece) * (size_t)(n > 0 ? n : 1));
    if (!line) return -1;
    int m = 0;
    for (int first = 0; first < n;) {
        int last = first + 1;
        while (last < n && !(sorted[3 * last] - sorted[3 * first] > snap)) last++;
        double sum = 0.0;
        for (int k = first; k < last; k++) {
            sum += sorted[3 * k];
            line[k - first] = (evx_piece){sorted[3 * k + 1], sorted[3 * k + 2], k - first};
        }
        double position = sum / (last - first);
        qsort(line, (size_t)(last - first), sizeof(evx_piece), by_start);
        double start = line[0].start, end = line[0].end;
        for (int k = 1; k < last - first; k++) {
            if (line[k].start <= end + join) {
                if (line[k].end > end) end = line[k].end;
            } else {
                out[3 * m] = position; out[3 * m + 1] = start; out[3 * m + 2] = end; m++;
                start = line[k].start; end = line[k].end;
            }
        }
        out[3 * m] = position; out[3 * m + 1] = start; out[3 * m + 2] = end; m++;
        first = last;
    }
    free(line);
    return m;
}
