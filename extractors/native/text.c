/* The text inside rectangles of a PDF text page, as pdfium's FPDFText_GetBoundedText gives it (for the table
 * finder, extractors/pdftables.py, through extractors/pdfobjects.py NativeText), from the page's characters read
 * once. Built into the same library as census.c by scripts/setup.sh. */

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

/* ---- The text inside rectangles of a text page, as pdfium's FPDFText_GetBoundedText gives it, without walking
 * pdfium's character list once per rectangle: the characters' code points, boxes and origins are read once
 * (evx_chars), then each rectangle is one pass over plain arrays (evx_text_in). The rules are pdfium's: a
 * character is inside when its box and the rectangle overlap with a positive area; a line break (CR LF) goes
 * before an inside character on another baseline when a character outside came between (not only spaces
 * right after an inside one); a space right after an inside character is kept. */

typedef unsigned int (*unicode_fn)(void *, int);
typedef int (*charbox_fn)(void *, int, double *, double *, double *, double *);
typedef int (*origin_fn)(void *, int, double *, double *);

int evx_chars(void *unicode, void *charbox, void *origin, void *textpage, int n, unsigned int *codes,
              float *boxes, float *origin_y) {
    unicode_fn get_unicode = (unicode_fn)unicode;
    charbox_fn get_box = (charbox_fn)charbox;
    origin_fn get_origin = (origin_fn)origin;
    for (int k = 0; k < n; k++) {
        double left = 0, right = 0, bottom = 0, top = 0, x = 0, y = 0;
        codes[k] = get_unicode(textpage, k);
        get_box(textpage, k, &left, &right, &bottom, &top);
        float l = (float)left, r = (float)right, b = (float)bottom, t = (float)top;
        /* kept normalised: the overlap test below compares normalised rectangles */
        boxes[4 * k] = l < r ? l : r;
        boxes[4 * k + 1] = b < t ? b : t;
        boxes[4 * k + 2] = l < r ? r : l;
        boxes[4 * k + 3] = b < t ? t : b;
        get_origin(textpage, k, &x, &y);
        origin_y[k] = (float)y;
    }
    return n;
}

long evx_text_in(const unsigned int *codes, const float *boxes, const float *origin_y, int n, double left,
                 double bottom, double right, double top, unsigned int *out, long cap) {
    float l = (float)left, b = (float)bottom, r = (float)right, t = (float)top;
    if (l > r) { float s = l; l = r; r = s; }
    if (b > t) { float s = b; b = t; t = s; }
    float posy = 0.0f;
    int after_inside = 0, line_feed = 0;
    long len = 0;
    for (int k = 0; k < n; k++) {
        const float *box = boxes + 4 * k;
        float il = box[0] > l ? box[0] : l, ir = box[2] < r ? box[2] : r;
        float ib = box[1] > b ? box[1] : b, it = box[3] < t ? box[3] : t;
        if (il < ir && ib < it) {
            if (fabsf(posy - origin_y[k]) > 0.0f && !after_inside && line_feed) {
                posy = origin_y[k];
                if (len > 0) {
                    if (len + 2 <= cap) { out[len] = '\r'; out[len + 1] = '\n'; }
                    len += 2;
                }
            }
            after_inside = 1;
            line_feed = 0;
            if (codes[k]) {
                if (len < cap) out[len] = codes[k];
                len++;
            }
        } else if (codes[k] == ' ') {
            if (after_inside) {
                if (len < cap) out[len] = ' ';
                len++;
                after_inside = 0;
                line_feed = 0;
            }
        } else {
            after_inside = 0;
            line_feed = 1;
        }
    }
    return len;
}

/* ---- Many rectangles in one pass (evx_texts_in): the text evx_text_in would give for each of ``m`` rectangles
 * (``rects``: left, bottom, right, top as doubles), written one after another into ``out`` with ``offsets[j]`` ..
 * ``offsets[j + 1]`` the j-th. A character is tested only against the rectangles when it meets their common
 * bounds; what evx_text_in does for the characters outside a rectangle between two inside it (a space after an
 * inside character, a line feed once any other character passed) follows from the first of them and from a count
 * of the non-space characters before each position (``nonspace``, n + 1 entries, filled here). Returns the total
 * length, or -1 when ``out`` (``cap`` code points) is too small: call again with a larger one. */

/* Rectangles binned on a grid over their common bounds (``bins`` × ``bins``; compressed rows: bin b holds
 * ``entries[start[b] .. start[b + 1]]``), so a character is tested against the few rectangles near it. */
typedef struct {
    int bins;
    float x0, y0, bw, bh;
    int *start;
    int *entries;
} evx_bins;

static int bin_of(float v, float origin, float width, int bins) {
    int b = width > 0.0f ? (int)floorf((v - origin) / width) : 0;
    return b < 0 ? 0 : (b >= bins ? bins - 1 : b);
}

static int make_bins(const float *r, int m, const float *all, evx_bins *g) {
    g->bins = m < 16 ? 1 : 24;
    g->x0 = all[0]; g->y0 = all[1];
    g->bw = (all[2] - all[0]) / g->bins; g->bh = (all[3] - all[1]) / g->bins;
    int cells = g->bins * g->bins;
    g->start = calloc((size_t)cells + 1, sizeof(int));
    if (!g->start) return -1;
    long used = 0;
    for (int pass = 0; pass < 2; pass++) {
        int *fill = pass ? calloc((size_t)cells, sizeof(int)) : NULL;
        if (pass && !fill) return -1;
        for (int j = 0; j < m; j++) {
            const float *q = r + 4 * j;
            int bx0 = bin_of(q[0], g->x0, g->bw, g->bins), bx1 = bin_of(q[2], g->x0, g->bw, g->bins);
            int by0 = bin_of(q[1], g->y0, g->bh, g->bins), by1 = bin_of(q[3], g->y0, g->bh, g->bins);
            for (int by = by0; by <= by1; by++)
                for (int bx = bx0; bx <= bx1; bx++) {
                    int b = by * g->bins + bx;
                    if (pass) g->entries[g->start[b] + fill[b]++] = j;
                    else { g->start[b + 1]++; used++; }
                }
        }
        if (!pass) {
            for (int b = 0; b < cells; b++) g->start[b + 1] += g->start[b];
            g->entries = malloc((size_t)(used > 0 ? used : 1) * sizeof(int));
            if (!g->entries) return -1;
        } else {
            free(fill);
        }
    }
    return 0;
}

static long texts_pass(const unsigned int *codes, const float *boxes, const float *origin_y, int n,
                       const float *r, int m, const float *all, const evx_bins *g, const int *nonspace,
                       long *len, float *posy, int *last, int *seen, unsigned int *out, const long *offsets) {
    for (int j = 0; j < m; j++) { len[j] = 0; posy[j] = 0.0f; last[j] = -1; seen[j] = -1; }
    for (int k = 0; k < n; k++) {
        const float *box = boxes + 4 * k;
        if (!(box[0] < all[2] && box[2] > all[0] && box[1] < all[3] && box[3] > all[1])) continue;
        int bx0 = bin_of(box[0], g->x0, g->bw, g->bins), bx1 = bin_of(box[2], g->x0, g->bw, g->bins);
        int by0 = bin_of(box[1], g->y0, g->bh, g->bins), by1 = bin_of(box[3], g->y0, g->bh, g->bins);
        for (int by = by0; by <= by1; by++) {
            for (int bx = bx0; bx <= bx1; bx++) {
                int b = by * g->bins + bx;
                for (int e = g->start[b]; e < g->start[b + 1]; e++) {
                    int j = g->entries[e];
                    if (seen[j] == k) continue;  /* met through another bin already */
                    seen[j] = k;
                    const float *q = r + 4 * j;
                    float il = box[0] > q[0] ? box[0] : q[0], ir = box[2] < q[2] ? box[2] : q[2];
                    float ib = box[1] > q[1] ? box[1] : q[1], it = box[3] < q[3] ? box[3] : q[3];
                    if (!(il < ir && ib < it)) continue;
                    int after_inside, line_feed;
                    int first = last[j] + 1;  /* the first character after this rectangle's last inside one */
                    if (last[j] < 0) {
                        after_inside = 0;
                        line_feed = nonspace[k] > 0;
                    } else if (first == k) {
                        after_inside = 1;
                        line_feed = 0;
                    } else {
                        after_inside = 0;
                        if (codes[first] == ' ') {
                            if (out) out[offsets[j] + len[j]] = ' ';
                            len[j]++;
                            line_feed = nonspace[k] - nonspace[first + 1] > 0;
                        } else {
                            line_feed = 1;
                        }
                    }
                    if (fabsf(posy[j] - origin_y[k]) > 0.0f && !after_inside && line_feed) {
                        posy[j] = origin_y[k];
                        if (len[j] > 0) {
                            if (out) { out[offsets[j] + len[j]] = '\r'; out[offsets[j] + len[j] + 1] = '\n'; }
                            len[j] += 2;
                        }
                    }
                    if (codes[k]) {
                        if (out) out[offsets[j] + len[j]] = codes[k];
                        len[j]++;
                    }
                    last[j] = k;
                }
            }
        }
    }
    long total = 0;
    for (int j = 0; j < m; j++) {
        if (last[j] >= 0 && last[j] + 1 < n && codes[last[j] + 1] == ' ') {
            if (out) out[offsets[j] + len[j]] = ' ';
            len[j]++;
        }
        total += len[j];
    }
    return total;
}

long evx_texts_in(const unsigned int *codes, const float *boxes, const float *origin_y, int n, const double *rects,
                  int m, unsigned int *out, long cap, long *offsets, long *lengths, int *nonspace, int *last,
                  float *work) {
    /* offsets: m + 1; lengths, last: 2 * m (the second half: which character last met each rectangle);
     * nonspace: n + 1; work: 5 * m + 4 floats (the rectangles as floats, each one's baseline, their common
     * bounds). Returns -2 when memory for the bins could not be had. */
    float *r = work, *posy = work + 4 * m, *all = work + 5 * m;
    int *seen = last + m;
    nonspace[0] = 0;
    for (int k = 0; k < n; k++) nonspace[k + 1] = nonspace[k] + (codes[k] != ' ');
    all[0] = all[1] = INFINITY;
    all[2] = all[3] = -INFINITY;
    for (int j = 0; j < m; j++) {
        float l = (float)rects[4 * j], b = (float)rects[4 * j + 1], rr = (float)rects[4 * j + 2],
              t = (float)rects[4 * j + 3];
        if (l > rr) { float s = l; l = rr; rr = s; }
        if (b > t) { float s = b; b = t; t = s; }
        r[4 * j] = l; r[4 * j + 1] = b; r[4 * j + 2] = rr; r[4 * j + 3] = t;
        if (l < all[0]) all[0] = l;
        if (b < all[1]) all[1] = b;
        if (rr > all[2]) all[2] = rr;
        if (t > all[3]) all[3] = t;
    }
    evx_bins g = {0};
    long total = -2;
    if (make_bins(r, m, all, &g) == 0) {
        total = texts_pass(codes, boxes, origin_y, n, r, m, all, &g, nonspace, lengths, posy, last, seen, NULL,
                           NULL);
        if (total > cap) {
            total = -1;
        } else {
            offsets[0] = 0;
            for (int j = 0; j < m; j++) offsets[j + 1] = offsets[j] + lengths[j];
            texts_pass(codes, boxes, origin_y, n, r, m, all, &g, nonspace, lengths, posy, last, seen, out, offsets);
        }
    }
    free(g.start);
    free(g.entries);
    return total;
}

/* ---- How far a rebuilt page text is from the original as a multiset of characters (extractors/pdflayout.py
 * ``_complete``): ``result[0]`` the characters of ``a`` that ``b`` lacks (counted with repeats), ``result[1]`` the
 * characters ``b`` holds more often than ``a``, ``result[2]`` the characters of ``a``; code points in ``skip``
 * (white space) are not counted. One pass over each through an open-addressing table. Returns 0, or -1 without
 * memory. */

int evx_char_balance(const unsigned int *a, long na, const unsigned int *b, long nb, const unsigned int *skip,
                     int nskip, long *result) {
    unsigned long size = 64;
    while (size < 2 * (unsigned long)(na + nb) + 2) size <<= 1;
    unsigned int *keys = malloc(sizeof(unsigned int) * size);
    long *counts = calloc(size, sizeof(long));
    unsigned char *used = calloc(size, 1);
    if (!keys || !counts || !used) { free(keys); free(counts); free(used); return -1; }
    long of_a = 0;
    for (int side = 0; side < 2; side++) {
        const unsigned int *codes = side ? b : a;
        long n = side ? nb : na;
        for (long k = 0; k < n; k++) {
            unsigned int c = codes[k];
            int skipped = 0;
            for (int s = 0; s < nskip; s++) skipped |= c == skip[s];
            if (skipped) continue;
            unsigned long slot = (c * 2654435761u) & (size - 1);
            while (used[slot] && keys[slot] != c) slot = (slot + 1) & (size - 1);
            used[slot] = 1;
            keys[slot] = c;
            counts[slot] += side ? -1 : 1;
            of_a += !side;
        }
    }
    long missing = 0, extra = 0;
    for (unsigned long slot = 0; slot < size; slot++) {
        if (counts[slot] > 0) missing += counts[slot];
        else extra -= counts[slot];
    }
    result[0] = missing; result[1] = extra; result[2] = of_a;
    free(keys); free(counts); free(used);
    return 0;
}

/* ---- The text rectangles of a page (extractors/pdfcolumns.py ``text_rects``) in one call: ``out`` gets
 * left, bottom, right, top of each of the ``n`` rectangles pdfium counted (zeros where one cannot be read). */

typedef int (*rect_fn)(void *, int, double *, double *, double *, double *);

void evx_rects(void *get_rect, void *textpage, int n, double *out) {
    rect_fn rect = (rect_fn)get_rect;
    for (int k = 0; k < n; k++) {
        double *r = out + 4 * k;  /* FPDFText_GetRect(left, top, right, bottom) */
        if (!rect(textpage, k, r, r + 3, r + 2, r + 1)) r[0] = r[1] = r[2] = r[3] = 0.0;
    }
}
