-- gridcast extension 0.8 -> 0.9: blended models. A model_json may carry a linear member beside its trees
-- ("gridcast_blend", migration 0031); from 0.9 every scoring function blends it in, with the same code as
-- the gridcast executable (Sources/ModelCore), so SQL and the executable still give the same forecast.
-- The functions' signatures do not change; the library (gridcast.so) does: install it before updating.
\echo Use "ALTER EXTENSION gridcast UPDATE TO '0.9'" to load this file. \quit

comment on function gridcast_predict(json, float8[]) is
    'Prediction of a model (model_registry.model_json: XGBoost JSON, with its linear blend when it has one) for one row of features in the model''s feature order; NULL features are missing values.';
comment on function gridcast_contributions(json, float8[]) is
    'SHAP contributions of each feature to the prediction of one row (XGBoost pred_contribs, plus a blended linear member''s coefficient times the standardized value): one value per feature, then the bias; they sum to the prediction.';
comment on function gridcast_contributions(regclass, bigint, float8[]) is
    'SHAP contributions of model_registry row model_id for one row: one per feature, then the bias (a blended linear member included).';

