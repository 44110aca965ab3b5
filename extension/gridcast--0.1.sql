-- gridcast extension 0.1: XGBoost scoring in SQL. Install with CREATE EXTENSION gridcast [SCHEMA s].
\echo Use "CREATE EXTENSION gridcast" to load this file. \quit

create function gridcast_predict(model json, features float8[]) returns float8
    as 'MODULE_PATHNAME', 'gridcast_predict' language c immutable strict parallel safe;
create function gridcast_predict(model text, features float8[]) returns float8
    as 'MODULE_PATHNAME', 'gridcast_predict' language c immutable strict parallel safe;
comment on function gridcast_predict(json, float8[]) is
    'Prediction of an XGBoost JSON model (model_registry.model_json) for one row of features in the model''s feature order; NULL features are missing values.';
comment on function gridcast_predict(text, float8[]) is
    'As gridcast_predict(json, float8[]), for a model held as text.';

create function gridcast_predict_batch(model json, features float8[]) returns float8[]
    as 'MODULE_PATHNAME', 'gridcast_predict_batch' language c immutable strict parallel safe;
create function gridcast_predict_batch(model text, features float8[]) returns float8[]
    as 'MODULE_PATHNAME', 'gridcast_predict_batch' language c immutable strict parallel safe;
comment on function gridcast_predict_batch(json, float8[]) is
    'Predictions for many rows at once: features is a two-dimensional array, one row per element; returns one prediction per row. Much faster than one call per row.';
comment on function gridcast_predict_batch(text, float8[]) is
    'As gridcast_predict_batch(json, float8[]), for a model held as text.';

create function gridcast_contributions(model json, features float8[]) returns float8[]
    as 'MODULE_PATHNAME', 'gridcast_contributions' language c immutable strict parallel safe;
create function gridcast_contributions(model text, features float8[]) returns float8[]
    as 'MODULE_PATHNAME', 'gridcast_contributions' language c immutable strict parallel safe;
comment on function gridcast_contributions(json, float8[]) is
    'SHAP contributions of each feature to the prediction of one row (XGBoost pred_contribs): one value per feature, then the bias; they sum to the prediction.';
comment on function gridcast_contributions(text, float8[]) is
    'As gridcast_contributions(json, float8[]), for a model held as text.';

create function gridcast_xgboost_version() returns text
    as 'MODULE_PATHNAME', 'gridcast_xgboost_version' language c stable strict parallel safe;
comment on function gridcast_xgboost_version() is 'The libxgboost version loaded in this backend.';
