-- 0006: least-privilege grants for the three roles of 0001.
-- Parameters: identifier placeholders only (see 0001).
--
--   loader    writes input data and its own run-log rows; reads nothing else.
--   runner    reads input, writes operational tables; cannot change schemas.
--   bi_reader reads the bi views only (views run with their owner's rights, so no table grants).

grant usage on schema {{input_schema}} to {{loader_role}};
grant select, insert, update on {{input_schema}}.sqmd, {{input_schema}}.weather_hourly to {{loader_role}};
grant select on {{input_schema}}.weather_locations to {{loader_role}};
grant insert on {{input_schema}}.load_rejects to {{loader_role}};
grant usage on schema {{operational_schema}} to {{loader_role}};
grant select, insert, update on {{operational_schema}}.run_log to {{loader_role}};

grant usage on schema {{input_schema}} to {{runner_role}};
grant select on {{input_schema}}.sqmd, {{input_schema}}.vw_sqmd_effective, {{input_schema}}.weather_hourly,
                {{input_schema}}.weather_locations, {{input_schema}}.load_rejects to {{runner_role}};
grant usage on schema {{operational_schema}} to {{runner_role}};
grant select on {{operational_schema}}.series_catalog, {{operational_schema}}.vw_series_actuals_hourly,
                {{operational_schema}}.vw_latest_forecasts, {{operational_schema}}.model_status_history to {{runner_role}};
grant select, insert, update on {{operational_schema}}.run_log to {{runner_role}};
grant select, insert, update, delete on {{operational_schema}}.dayahead_load_forecasts to {{runner_role}};
grant select, insert, update on {{operational_schema}}.model_registry to {{runner_role}};
grant insert on {{operational_schema}}.model_status_history to {{runner_role}};
grant execute on function {{operational_schema}}.load_segment_of(text) to {{runner_role}};

grant usage on schema {{bi_schema}} to {{bi_reader_role}};
grant select on {{bi_schema}}.vw_dayahead_load_forecasts, {{bi_schema}}.vw_forecast_vs_actual,
                {{bi_schema}}.vw_forecast_accuracy, {{bi_schema}}.vw_model_registry,
                {{bi_schema}}.vw_champion_models, {{bi_schema}}.vw_run_history to {{bi_reader_role}};
