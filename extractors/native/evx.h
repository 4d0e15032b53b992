/* What the parts of the native library (census.c, grid.c, ruled.c) share: a path object's segments read through
 * pdfium's functions, rules as rows of (position, start, end), and the grid functions. */

#ifndef EVX_H
#define EVX_H

typedef int (*segments_fn)(void *);
typedef void *(*segment_fn)(void *, int);
typedef int (*point_fn)(void *, float *, float *);
typedef int (*segment_type_fn)(void *);
typedef int (*close_fn)(void *);
typedef int (*matrix_fn)(void *, float *);

typedef struct {
    segments_fn segments;
    segment_fn segment;
    point_fn point;
    segment_type_fn segment_type;
    close_fn close;
    matrix_fn matrix;
    int lineto;
    int moveto;
    int max_segments;
    double snap_half;
    double min_length;
} evx_path_api;

typedef struct {
    double *horizontal;
    long h_cap;
    long n_h;
    double *vertical;
    long v_cap;
    long n_v;
} evx_rules;

/* The axis-aligned straight segments of one path object as rules (census.c). */
int evx_path_edges(const evx_path_api *api, void *obj, evx_rules *out);
/* Rules merged along their lines (grid.c). */
int evx_merge_rules(const double *rules, int n, double snap, double join, double *sorted, double *out);
/* Groups of crossing rules (grid.c). */
int evx_grids(const double *h, int nh, const double *v, int nv, double snap, int *parent, int *group);
/* One grid's column and row edges and cells (grid.c). */
int evx_cells(const double *h, int nh, const double *v, int nv, double snap, double join, double *xs, double *ys,
              int *spans, int *counts);

#endif
