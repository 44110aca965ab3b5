-- 0020: the deployed model is refit on every day up to the newest actuals (recency), while the
-- model that was evaluated on the held-out test window is kept beside it.
-- Parameters: identifier placeholders only (see 0001).
--
-- Before: model_json was fit on train_start..train_end with rounds chosen on the validation window,
-- so the champion never saw the newest validation + test days (112 by default). Now training
-- evaluates that holdout fit as before (metrics, approval, champion comparison, intervals), then
-- refits the same parameters and rounds on train_start..refit_end (every day with actuals) and
-- deploys that. holdout_model_json keeps the evaluated fit, so a later version is compared with the
-- champion out of sample (the refit has seen the new test window; the holdout fit has not).
-- A forecast day between train_start and coalesce(refit_end, validation_end, train_end) is in_sample.

alter table {{operational_schema}}.model_registry
    add column if not exists refit_start date,
    add column if not exists refit_end date,
    add column if not exists holdout_model_json json;
comment on column {{operational_schema}}.model_registry.refit_start is
    'First target day the deployed model_json was fit on (null: model_json is the holdout fit, train_start..train_end).';
comment on column {{operational_schema}}.model_registry.refit_end is
    'Last target day the deployed model_json was fit on: the newest day with actuals at training.';
comment on column {{operational_schema}}.model_registry.holdout_model_json is
    'The fit on train_start..train_end that the metrics and the approval were computed with (null: model_json is that fit).';
comment on column {{operational_schema}}.model_registry.model_json is
    'The deployed XGBoost model in its JSON format, loadable by any XGBoost (Booster.load_model): fit through refit_end when set.';

grant insert (refit_start, refit_end, holdout_model_json) on {{operational_schema}}.model_registry to {{runner_role}};

-- BI: both fits' windows (columns added at the end, as create or replace view requires).
create or replace view {{bi_schema}}.vw_model_registry as
select m.model_id,
       m.load_profile || '-' || m.load_segment           as series_id,
       m.load_profile,
       m.load_segment,
       m.model_version,
       m.status,
       m.status_reason,
       m.status_changed_at,
       m.status_changed_by,
       m.created_at,
       m.train_start,
       m.train_end,
       m.test_start,
       m.test_end,
       (m.metrics -> 'model' ->> 'rmse')::double precision    as rmse_kwh,
       (m.metrics -> 'model' ->> 'mape')::double precision    as mape_percent,
       (m.metrics -> 'baseline' ->> 'rmse')::double precision as baseline_rmse_kwh,
       (m.metrics ->> 'skill')::double precision              as skill,
       m.hyperparameters,
       m.features,
       m.metrics,
       m.refit_start,
       m.refit_end
from {{operational_schema}}.model_registry m;
comment on column {{bi_schema}}.vw_model_registry.refit_start is
    'First day the deployed model was fit on; null when the deployed model is the evaluated one (train_start..train_end).';
comment on column {{bi_schema}}.vw_model_registry.refit_end is
    'Last day the deployed model was fit on (the newest actuals at training); the metrics are of the fit ending at train_end.';
