-- 0010: weather_locations.time_zone must be an IANA name, never a POSIX offset spec.
-- Parameters: identifier placeholders only (see 0001).
--
-- PostgreSQL reads 'UTC+8' or 'GMT-5' as POSIX specs (UTC+8 is eight hours *behind* UTC) while the
-- calendar code and most tools read them as offsets ahead of UTC: the calendar and the SQL would
-- disagree by 16 hours. IANA names ('Asia/Shanghai', or 'Etc/GMT-8', which every reader takes the
-- same way) are unambiguous. NOT VALID: existing rows are not checked here; after fixing any, run
--   alter table <input schema>.weather_locations validate constraint weather_locations_time_zone_iana;
alter table {{input_schema}}.weather_locations
    add constraint weather_locations_time_zone_iana
    check (time_zone like 'Etc/%' or time_zone !~ '^[A-Za-z]*[+-][0-9]') not valid;

comment on constraint weather_locations_time_zone_iana on {{input_schema}}.weather_locations is
    'time_zone is an IANA name (America/Los_Angeles, Etc/GMT-8), not a POSIX offset such as UTC+8.';
