/*
 * gridcast_pg.c: the PostgreSQL side of the gridcast extension, and nothing else. It unpacks SQL
 * arguments, calls the Swift core (Sources/ExtensionCore) through its C entry points, and turns
 * the core's error codes into ereport(ERROR). ereport longjmps, so it is only ever called here,
 * after Swift has returned: no Swift frame is ever skipped.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/date.h"
#include "utils/timestamp.h"

PG_MODULE_MAGIC;

/* Swift core (ExtensionEntryPoints.swift). */
extern uint64 gridcast_core_content_key(const void *model, long model_length);
extern int32 gridcast_core_score(uint64 key, long key_length, const void *model, long model_length, const double *values,
                                 long rows, long columns, int32 contributions, double *out, long out_capacity, char *error,
                                 long error_capacity);
extern long gridcast_core_output_count(long rows, long columns, int32 contributions);
extern void gridcast_core_set_threads(int32 threads);
extern void gridcast_core_xgboost_version(char *buffer, long capacity);
extern int32 gridcast_core_sun(double seconds, double latitude, double longitude, double elevation, double *out);
extern int32 gridcast_core_holiday(long day_number, char *buffer, long capacity);
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
    /* No MarkGUCPrefixReserved("gridcast"): the feature SQL's parameters are gridcast.* settings
     * (gridcast.load_profile, ...), which reserving the prefix would turn into errors. */
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

/*
 * Where a model comes from: its JSON passed by the caller, or a registry row (table, model_id),
 * whose JSON is read only when this backend has not cached that row's current version (its xmin).
 */
typedef struct ModelSource
{
    text *json;
    Oid registry;
    int64 model_id;
    uint64 key;
    long key_length;            /* the JSON's length for a model passed in, -1 for a registry row */
} ModelSource;

/* The key of the model last passed to one call site, kept in fn_extra for the rest of the query. */
typedef struct CallSiteKey
{
    const void *model;
    long length;
    uint64 key;
} CallSiteKey;

/* The registry row's xmin, and with want_json its model_json (copied out of SPI's memory). */
static int64
registry_row(Oid registry, int64 model_id, text **json)
{
    char *relation = get_rel_name(registry);
    char *sql;
    Oid types[1] = {INT8OID};
    Datum values[1] = {Int64GetDatum(model_id)};
    bool isnull;
    int64 xmin;

    if (relation == NULL)
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("no table with oid %u", registry)));
    sql = psprintf("select xmin::text::bigint%s from %s where model_id = $1", json ? ", model_json::text" : "",
                   quote_qualified_identifier(get_namespace_name(get_rel_namespace(registry)), relation));
    SPI_connect();
    /* Runs as the caller: a role that cannot read model_json cannot score with it either. */
    if (SPI_execute_with_args(sql, 1, types, values, NULL, true, 1) != SPI_OK_SELECT)
        ereport(ERROR, (errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION), errmsg("could not read %s", relation)));
    if (SPI_processed == 0)
        ereport(ERROR, (errcode(ERRCODE_NO_DATA_FOUND),
                        errmsg("no model with model_id %lld in %s", (long long) model_id, relation),
                        errhint("Look the id up in model_registry or bi.vw_champion_models.")));
    xmin = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    if (json)
    {
        Datum model = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);

        if (isnull)
            ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                            errmsg("model %lld has no model_json", (long long) model_id)));
        *json = DatumGetTextPP(SPI_datumTransfer(model, false, -1));
    }
    SPI_finish();
    return xmin;
}

static ModelSource
registry_source(Oid registry, int64 model_id)
{
    ModelSource source = {NULL, registry, model_id, 0, -1};
    uint64 key = (uint64) registry * UINT64CONST(0x9E3779B97F4A7C15);

    key ^= (uint64) model_id * UINT64CONST(0xC2B2AE3D27D4EB4F);
    key ^= (uint64) registry_row(registry, model_id, NULL) * UINT64CONST(0x165667B19E3779F9);
    key ^= key >> 31;
    source.key = key;
    return source;
}

static int32
score_chunk(ModelSource *source, const double *values, long rows, long columns, bool contributions, double *out,
            long capacity, char *error, long error_capacity)
{
    int32 code = gridcast_core_score(source->key, source->key_length, source->json ? VARDATA_ANY(source->json) : NULL,
                                     source->json ? VARSIZE_ANY_EXHDR(source->json) : 0, values, rows, columns,
                                     contributions, out, capacity, error, error_capacity);

    if (code == 4 && source->registry != InvalidOid)    /* not cached: read the JSON once and score again */
    {
        registry_row(source->registry, source->model_id, &source->json);
        code = gridcast_core_score(source->key, source->key_length, VARDATA_ANY(source->json),
                                   VARSIZE_ANY_EXHDR(source->json), values, rows, columns, contributions, out, capacity,
                                   error, error_capacity);
    }
    return code;
}

/* Scores rows in chunks, checking for interrupts between them; returns palloc'd results. */
static double *
score(ModelSource *source, const double *values, long rows, long columns, bool contributions, long *count)
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
        code = score_chunk(source, values + start * columns, chunk, columns, contributions, out + start * per_row,
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

/* Arguments 0 (and 1 for registry functions) name the model; the features follow. */
static ModelSource
source_of(FunctionCallInfo fcinfo, bool registry)
{
    ModelSource source = {NULL, InvalidOid, 0, 0, 0};
    CallSiteKey *site = fcinfo->flinfo->fn_extra;

    if (registry)
        return registry_source(PG_GETARG_OID(0), PG_GETARG_INT64(1));
    source.json = PG_GETARG_TEXT_PP(0);
    source.key_length = VARSIZE_ANY_EXHDR(source.json);
    /*
     * Hashing a large model on every row would cost more than scoring it. A model that is a constant
     * or a parameter of the query is the same datum on every call, so its key is computed once and
     * kept for this call site; a model from a column may differ on each row and is hashed each time.
     */
    if (site != NULL && site->model == source.json && site->length == source.key_length)
    {
        source.key = site->key;
        return source;
    }
    source.key = gridcast_core_content_key(VARDATA_ANY(source.json), source.key_length);
    if (get_fn_expr_arg_stable(fcinfo->flinfo, 0))
    {
        if (site == NULL)
            site = fcinfo->flinfo->fn_extra = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CallSiteKey));
        site->model = source.json;
        site->length = source.key_length;
        site->key = source.key;
    }
    return source;
}

static double *
scored(FunctionCallInfo fcinfo, bool registry, bool batch, bool contributions, long *count)
{
    ModelSource source = source_of(fcinfo, registry);
    long rows, columns;
    double *values = features_of(PG_GETARG_ARRAYTYPE_P(registry ? 2 : 1), &rows, &columns, batch);

    return score(&source, values, rows, columns, contributions, count);
}

PG_FUNCTION_INFO_V1(gridcast_predict);
Datum
gridcast_predict(PG_FUNCTION_ARGS)
{
    long count;

    PG_RETURN_FLOAT8(scored(fcinfo, false, false, false, &count)[0]);
}

PG_FUNCTION_INFO_V1(gridcast_predict_batch);
Datum
gridcast_predict_batch(PG_FUNCTION_ARGS)
{
    long count;
    double *out = scored(fcinfo, false, true, false, &count);

    PG_RETURN_ARRAYTYPE_P(float8_array(out, count));
}

PG_FUNCTION_INFO_V1(gridcast_contributions);
Datum
gridcast_contributions(PG_FUNCTION_ARGS)
{
    long count;
    double *out = scored(fcinfo, false, false, true, &count);

    PG_RETURN_ARRAYTYPE_P(float8_array(out, count));
}

PG_FUNCTION_INFO_V1(gridcast_registry_predict);
Datum
gridcast_registry_predict(PG_FUNCTION_ARGS)
{
    long count;

    PG_RETURN_FLOAT8(scored(fcinfo, true, false, false, &count)[0]);
}

PG_FUNCTION_INFO_V1(gridcast_registry_predict_batch);
Datum
gridcast_registry_predict_batch(PG_FUNCTION_ARGS)
{
    long count;
    double *out = scored(fcinfo, true, true, false, &count);

    PG_RETURN_ARRAYTYPE_P(float8_array(out, count));
}

PG_FUNCTION_INFO_V1(gridcast_registry_contributions);
Datum
gridcast_registry_contributions(PG_FUNCTION_ARGS)
{
    long count;
    double *out = scored(fcinfo, true, false, true, &count);

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

PG_FUNCTION_INFO_V1(gridcast_sun);
Datum
gridcast_sun(PG_FUNCTION_ARGS)
{
    TimestampTz at = PG_GETARG_TIMESTAMPTZ(0);
    double seconds = (double) at / USECS_PER_SEC + (double) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
    double out[6];
    Datum values[6];
    bool nulls[6] = {false, false, false, false, false, false};
    double latitude = PG_GETARG_FLOAT8(1);
    double longitude = PG_GETARG_FLOAT8(2);
    TupleDesc descriptor;

    if (get_call_result_type(fcinfo, NULL, &descriptor) != TYPEFUNC_COMPOSITE)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("gridcast_sun must be called where a record is expected")));
    if (TIMESTAMP_NOT_FINITE(at) || gridcast_core_sun(seconds, latitude, longitude, PG_GETARG_FLOAT8(3), out) != 0)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("no sun for latitude %g, longitude %g at that instant", latitude, longitude),
                        errhint("Latitude is -90 to 90, longitude -180 to 180 (west negative), the instant finite.")));
    for (int i = 0; i < 6; i++)
        values[i] = Float8GetDatum(out[i]);
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(descriptor), values, nulls)));
}

PG_FUNCTION_INFO_V1(gridcast_holiday);
Datum
gridcast_holiday(PG_FUNCTION_ARGS)
{
    DateADT day = PG_GETARG_DATEADT(0);
    long days_since_1970 = (long) day + (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE);
    char name[512];

    if (DATE_NOT_FINITE(day) || !gridcast_core_holiday(days_since_1970, name, sizeof(name)))
        PG_RETURN_NULL();
    PG_RETURN_TEXT_P(cstring_to_text(name));
}
