/* The census of a PDF page's objects (extractors/pdfobjects.py) in one call instead of one ctypes call per
 * object: the same walk (a level's objects in order, its path and image objects kept, path bounds measured,
 * then its Form XObjects entered in order, max_depth levels deep), through pdfium's own functions, whose
 * addresses the caller passes (pypdfium2's libpdfium is already loaded; nothing is linked here).
 *
 * Built by scripts/setup.sh (cc -O2 -shared -fPIC); without it the ctypes walk runs, with the same result.
 */

#include <stddef.h>

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
