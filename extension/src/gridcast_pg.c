/*
 * gridcast_pg.c: the PostgreSQL side of the gridcast extension, and nothing else. It unpacks SQL
 * arguments, calls the Swift core (Sources/ExtensionCore) through its C entry points, and turns
 * the core's error codes into ereport(ERROR). ereport longjmps, so it is only ever called here,
 * after Swift has returned: no Swift frame is ever skipped.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

PG_MODULE_MAGIC;

/* Swift core (ExtensionEntryPoints.swift). */
extern int32 gridcast_core_score(const void *model, long model_length, const double *values, long rows, long columns,
                                 int32 contributions, double *out, long out_capacity, char *error, long error_capacity);
extern long gridcast_core_output_count(long rows, long columns, int32 contributions);
extern void gridcast_core_set_threads(int32 threads);
extern void gridcast_core_xgboost_version(char *buffer, long capacity);
/* libgomp, which libxgboost uses: without a cap it starts a thread per core in every backend. */
extern void omp_set_num_threads(int threads);

/* Rows scored per call into the core; interrupts (cancel, statement_timeout) are checked between. */
#define ROWS_PER_CHUNK 4096

static int xgboost_threads = 1;

static void
assign_threads(int value, void *extra)
{
    omp_set_num_threads(value);
    gridcast_core_set_threads(value);
}

void _PG_init(void);

void
_PG_init(void)
{
    DefineCustomIntVariable("gridcast.xgboost_threads",
                            "XGBoost threads per prediction in this backend.",
                            "Keep 1 unless a backend may use several cores: many backends may predict at once.",
                            &xgboost_threads, 1, 1, 64, PGC_USERSET, 0, NULL, assign_threads, NULL);
    MarkGUCPrefixReserved("gridcast");
    omp_set_num_threads(xgboost_threads);
}

static void
raise_core_error(int32 code, const char *message)
{
    if (code == 1)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s", message),
                        errhint("Pass the model_json of a model_registry row, or a model saved by XGBoost as JSON.")));
    if (code == 2)
        ereport(ERROR, (errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR), errmsg("%s", message),
                        errhint("Give the features in the order of the model's feature list (model_registry.features).")));
    ereport(ERROR, (errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION), errmsg("%s", message)));
}

/* The features of a float8[] as doubles, NULL elements as NaN (XGBoost's missing value). */
static double *
features_of(ArrayType *array, long *rows, long *columns, bool two_dimensional)
{
    Datum *elements;
    bool *nulls;
    int count;
    double *values;
    int dimensions = ARR_NDIM(array);

    if (ARR_ELEMTYPE(array) != FLOAT8OID)
        ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH), errmsg("features must be float8[]")));
    if (dimensions == 0)
    {
        /* '{}': no rows for a batch; a row without features, which the core refuses by the model's count. */
        *rows = two_dimensional ? 0 : 1;
        *columns = 0;
        return palloc(sizeof(double));
    }
    if (two_dimensional ? dimensions != 2 : dimensions != 1)
        ereport(ERROR, (errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
                        errmsg("features must be a %s array, not %d-dimensional",
                               two_dimensional ? "two-dimensional (one row per hour)" : "one-dimensional", dimensions),
                        errhint(two_dimensional ? "Build it with array_agg(array[f1, f2, ...]) or ARRAY[[...], [...]]."
                                                : "Pass ARRAY[f1, f2, ...] in the model's feature order.")));
    *rows = two_dimensional ? ARR_DIMS(array)[0] : 1;
    *columns = two_dimensional ? ARR_DIMS(array)[1] : ARR_DIMS(array)[0];
    deconstruct_array(array, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elements, &nulls, &count);
    values = palloc(sizeof(double) * Max(count, 1));
    for (int i = 0; i < count; i++)
        values[i] = nulls[i] ? get_float8_nan() : DatumGetFloat8(elements[i]);
    return values;
}

/* Scores rows in chunks, checking for interrupts between them; returns palloc'd results. */
static double *
score(text *model, const double *values, long rows, long columns, bool contributions, long *count)
{
    long per_row = gridcast_core_output_count(1, columns, contributions);
    double *out;
    char error[1024];

    *count = gridcast_core_output_count(rows, columns, contributions);
    out = palloc(sizeof(double) * Max(*count, 1));
    if (rows == 0)
        return out;
    for (long start = 0; start < rows; start += ROWS_PER_CHUNK)
    {
        long chunk = Min(ROWS_PER_CHUNK, rows - start);
        int32 code;

        CHECK_FOR_INTERRUPTS();
        code = gridcast_core_score(VARDATA_ANY(model), VARSIZE_ANY_EXHDR(model), values + start * columns,
                                   chunk, columns, contributions, out + start * per_row,
                                   *count - start * per_row, error, sizeof(error));
        if (code != 0)
            raise_core_error(code, error);
    }
    return out;
}

static ArrayType *
float8_array(const double *values, long count)
{
    Datum *datums = palloc(sizeof(Datum) * Max(count, 1));

    for (long i = 0; i < count; i++)
        datums[i] = Float8GetDatum(values[i]);
    return construct_array(datums, count, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

PG_FUNCTION_INFO_V1(gridcast_predict);
Datum
gridcast_predict(PG_FUNCTION_ARGS)
{
    text *model = PG_GETARG_TEXT_PP(0);
    long rows, columns, count;
    double *values = features_of(PG_GETARG_ARRAYTYPE_P(1), &rows, &columns, false);
    double *out = score(model, values, rows, columns, false, &count);

    PG_RETURN_FLOAT8(out[0]);
}

PG_FUNCTION_INFO_V1(gridcast_predict_batch);
Datum
gridcast_predict_batch(PG_FUNCTION_ARGS)
{
    text *model = PG_GETARG_TEXT_PP(0);
    long rows, columns, count;
    double *values = features_of(PG_GETARG_ARRAYTYPE_P(1), &rows, &columns, true);
    double *out = score(model, values, rows, columns, false, &count);

    PG_RETURN_ARRAYTYPE_P(float8_array(out, count));
}

PG_FUNCTION_INFO_V1(gridcast_contributions);
Datum
gridcast_contributions(PG_FUNCTION_ARGS)
{
    text *model = PG_GETARG_TEXT_PP(0);
    long rows, columns, count;
    double *values = features_of(PG_GETARG_ARRAYTYPE_P(1), &rows, &columns, false);
    double *out = score(model, values, rows, columns, true, &count);

    PG_RETURN_ARRAYTYPE_P(float8_array(out, count));
}

PG_FUNCTION_INFO_V1(gridcast_xgboost_version);
Datum
gridcast_xgboost_version(PG_FUNCTION_ARGS)
{
    char version[64];

    gridcast_core_xgboost_version(version, sizeof(version));
    PG_RETURN_TEXT_P(cstring_to_text(version));
}
