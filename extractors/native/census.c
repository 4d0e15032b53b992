/* The census of a PDF page's objects (extractors/pdfobjects.py) in one call instead of one ctypes call per
 * object: the same walk (a level's objects in order, its path and image objects kept, path bounds measured,
 * then its Form XObjects entered in order, max_depth levels deep), through pdfium's own functions, whose
 * addresses the caller passes (pypdfium2's libpdfium is already loaded; nothing is linked here).
 *
 * Built by scripts/setup.sh (cc -O2 -shared -fPIC); without it the ctypes walk runs, with the same result.
 */

#include <math.h>
#include <stddef.h>

#include "evx.h"

typedef int (*count_fn)(void *);
typedef void *(*get_fn)(void *, int);
typedef void *(*form_get_fn)(void *, unsigned long);
typedef int (*type_fn)(void *);
typedef int (*bounds_fn)(void *, float *, float *, float *, float *);

typedef struct {
    count_fn count;
    get_fn get;
    count_fn form_count;
    form_get_fn form_get;
    type_fn type;
    bounds_fn bounds;
    int path_type;
    int form_type;
    int image_type;
    int max_depth;
    int measure;
} evx_api;

typedef struct {
    void **paths;
    float *bounds;
    long path_cap;
    long n_paths;
    void **images;
    long image_cap;
    long n_images;
    long seen;
    int overflow;
} evx_out;

static void *object_at(const evx_api *api, void *handle, int is_form, int k) {
    return is_form ? api->form_get(handle, (unsigned long)k) : api->get(handle, k);
}

static void walk(const evx_api *api, void *handle, int is_form, int count, int depth, evx_out *out) {
    int forms = 0;
    for (int k = 0; k < count; k++) {
        void *obj = object_at(api, handle, is_form, k);
        int kind = api->type(obj);
        if (kind == api->path_type) {
            if (out->n_paths < out->path_cap) {
                out->paths[out->n_paths] = obj;
                if (api->measure) {
                    float *b = out->bounds + 4 * out->n_paths;
                    b[0] = b[1] = b[2] = b[3] = 0.0f;
                    api->bounds(obj, b, b + 1, b + 2, b + 3);
                }
            } else {
                out->overflow = 1;
            }
            out->n_paths++;
        } else if (kind == api->image_type) {
            if (out->n_images < out->image_cap)
                out->images[out->n_images] = obj;
            else
                out->overflow = 1;
            out->n_images++;
        } else if (kind == api->form_type) {
            forms++;
        }
    }
    if (depth >= api->max_depth || !forms)
        return;
    for (int k = 0; k < count; k++) {
        void *obj = object_at(api, handle, is_form, k);
        if (api->type(obj) != api->form_type)
            continue;
        int n = api->form_count(obj);
        out->seen += n;
        walk(api, obj, 1, n, depth + 1, out);
    }
}

/* The census of the page (its objects counted by the caller: ``count``). Returns the objects seen; the path and
 * image counts are in ``out`` even past the capacities (then ``overflow`` is set and the caller walks again with
 * room for them). */
long evx_census(const evx_api *api, void *page, int count, evx_out *out) {
    out->n_paths = out->n_images = 0;
    out->seen = count;
    out->overflow = 0;
    walk(api, page, 0, count, 1, out);
    return out->seen;
}

/* ---- The axis-aligned straight segments of a path object (extractors/pdftables.py ``_path_edges``), in one
 * call: points through the object's matrix, a segment kept as a horizontal rule (y, x0, x1) or a vertical one
 * (x, y0, y1) when it is within ``snap_half`` of the axis and at least ``min_length`` long. A path with a curve
 * (or a segment that cannot be read) gives none. Returns 0, or -1 when the output had no room. */

static int add_segment(const evx_path_api *api, double x0, double y0, double x1, double y1, evx_rules *out) {
    if (fabs(y1 - y0) <= api->snap_half && fabs(x1 - x0) >= api->min_length) {
        if (out->n_h >= out->h_cap) return -1;
        double *r = out->horizontal + 3 * out->n_h++;
        r[0] = (y0 + y1) / 2; r[1] = x0 < x1 ? x0 : x1; r[2] = x0 < x1 ? x1 : x0;
    } else if (fabs(x1 - x0) <= api->snap_half && fabs(y1 - y0) >= api->min_length) {
        if (out->n_v >= out->v_cap) return -1;
        double *r = out->vertical + 3 * out->n_v++;
        r[0] = (x0 + x1) / 2; r[1] = y0 < y1 ? y0 : y1; r[2] = y0 < y1 ? y1 : y0;
    }
    return 0;
}

int evx_path_edges(const evx_path_api *api, void *obj, evx_rules *out) {
    int n = api->segments(obj);
    if (n < 2 || n > api->max_segments) return 0;
    float m[6];
    if (!api->matrix(obj, m)) return 0;
    double a = m[0], b = m[1], c = m[2], d = m[3], e = m[4], f = m[5];
    long h0 = out->n_h, v0 = out->n_v;
    int have_start = 0, have_prev = 0;
    double sx = 0, sy = 0, px = 0, py = 0;
    for (int k = 0; k < n; k++) {
        void *seg = api->segment(obj, k);
        int kind = seg ? api->segment_type(seg) : -1;
        if (kind != api->moveto && kind != api->lineto) {  /* a curve: not a ruled path */
            out->n_h = h0; out->n_v = v0;
            return 0;
        }
        float fx = 0, fy = 0;
        if (!api->point(seg, &fx, &fy)) return 0;
        double x = fx, y = fy;
        double qx = a * x + c * y + e, qy = b * x + d * y + f;
        if (kind == api->lineto && have_prev && add_segment(api, px, py, qx, qy, out)) return -1;
        if (kind == api->moveto) { sx = qx; sy = qy; have_start = 1; }
        px = qx; py = qy; have_prev = 1;
        if (api->close(seg) && have_start) {
            if (add_segment(api, px, py, sx, sy, out)) return -1;
            px = sx; py = sy;
        }
    }
    return 0;
}
