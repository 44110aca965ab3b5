-- gridcast extension 0.1 -> 0.2: score a registry row by model_id, reading its JSON once per backend.
\echo Use "ALTER EXTENSION gridcast UPDATE TO '0.2'" to load this file. \quit

-- registry: the model_registry table of an environment, e.g. 'gridcast_operational_dev.model_registry'.
-- The row is read as the caller (a role that cannot read model_json cannot score with it); its JSON is
-- fetched only when this backend has not cached the row's current version (xmin), so per-row calls
-- cost an index lookup, not a 1 MB read.
create function gridcast_predict(registry regclass, model_id bigint, features float8[]) returns float8
    as 'MODULE_PATHNAME', 'gridcast_registry_predict' language c stable strict parallel restricted;
comment on function gridcast_predict(regclass, bigint, float8[]) is
    'Prediction of model_registry row model_id for one row of features (in the order of its features column).';

create function gridcast_predict_batch(registry regclass, model_id bigint, features float8[]) returns float8[]
    as 'MODULE_PATHNAME', 'gridcast_registry_predict_batch' language c stable strict parallel restricted;
comment on function gridcast_predict_batch(regclass, bigint, float8[]) is
    'Predictions of model_registry row model_id for a two-dimensional array of feature rows.';

create function gridcast_contributions(registry regclass, model_id bigint, features float8[]) returns float8[]
    as 'MODULE_PATHNAME', 'gridcast_registry_contributions' language c stable strict parallel restricted;
comment on function gridcast_contributions(regclass, bigint, float8[]) is
    'SHAP contributions of model_registry row model_id for one row: one per feature, then the bias.';
