import Foundation
import Testing
import TestSupport
import Warehouse

@Suite("Binary COPY")
struct BinaryCopyTests {
    /// Instants as PostgreSQL prints them under several time zones (offsets of whole hours, half hours,
    /// and local mean time with seconds before 1900), with and without fractions, around leap days.
    static let instants = [
        "2000-01-01 00:00:00+00", "1999-12-31 23:59:59.999999+00", "2024-02-29 12:34:56.5+00",
        "2024-03-10 10:00:00+00", "2024-11-03 08:30:00+00", "1885-06-01 00:00:00+00", "2099-12-31 23:00:00.000001+00",
    ]
    static let zones = ["UTC", "America/Los_Angeles", "Asia/Kolkata", "America/St_Johns", "Asia/Tokyo", "Australia/Lord_Howe"]

    @Test("timestamps printed under any time zone parse to the server's own microseconds since 2000")
    func timestampsMatchTheServer() throws {
        let connection = try TestCluster.freshConnection("bincopyts")
        for zone in Self.zones {
            try connection.execute("set timezone = '\(zone)'", name: "zone")
            for instant in Self.instants {
                let row = try #require(try connection.execute("""
                    select $1::timestamptz::text as printed,
                           ((extract(epoch from $1::timestamptz) - 946684800) * 1000000)::int8 as micros
                    """, [instant], name: "print").first)
                let printed = try #require(row.string("printed"))
                #expect(PostgresText.timestamp(printed) == row.string("micros").flatMap { Int64($0) }, "\(zone): \(printed)")
            }
        }
        #expect(PostgresText.timestamp("2024-07-10T07:00:00Z") == PostgresText.timestamp("2024-07-10 07:00:00+00"))
        let others = ["2024-07-10 07:00:00", "07/10/2024 07:00:00 PDT", "infinity", "2024-13-10 07:00:00+00",
                      "2024-07-10 07:00:00.1234567+00"]
        for other in others {
            #expect(PostgresText.timestamp(other) == nil, "\(other)")
        }
        #expect(PostgresText.date("2000-01-01") == 0 && PostgresText.date("1999-12-31") == -1)
        #expect(PostgresText.date("2024-02-29") == 8825)
        #expect(PostgresText.uuid("5F0C6A3E-1d2b-4c6e-9a1b-2c3d4e5f6a7b")?.first == 0x5F)
        #expect(PostgresText.uuid("5f0c6a3e") == nil)
    }

    @Test("every field type reaches its column as the same value text input gives, NULLs included")
    func everyTypeRoundTrips() throws {
        let connection = try TestCluster.freshConnection("bincopytypes")
        let columns = "t timestamptz, f float8, u uuid, i int4, s int2, d date, b bool, a text[], x text, j jsonb"
        try connection.execute("create table binary_in (\(columns))", name: "create")
        try connection.execute("create table text_in (\(columns))", name: "create")
        let texts: [(String?, Double?, String?, Int32?, Int16?, String?, Bool?, [String]?, String?, String?)] = [
            ("2024-07-10 07:00:00.25-07", -0.0, "5f0c6a3e-1d2b-4c6e-9a1b-2c3d4e5f6a7b", -2_147_483_648, -32768, "1999-12-31", true,
             ["temperature_2m above 41.2", "comma, \"quote\" {brace} back\\slash", ""], "Zürich – 東京", #"{"k": [1.5e3, "é"]}"#),
            (nil, nil, nil, nil, nil, nil, nil, nil, nil, nil),
            ("1885-06-01 00:00:00+00", .infinity, "00000000-0000-0000-0000-000000000000", 0, 0, "2024-02-29", false, [], "", "[]"),
            ("2099-12-31 23:00:00.000001+00", 1e-300, "ffffffff-ffff-ffff-ffff-ffffffffffff", 7, 23, "2000-01-01", false,
             ["one"], "tab\tand\nnewline", #"{"a": null}"#),
        ]
        let copied = try connection.copyInBinary("copy binary_in from stdin with (format binary)", name: "binary") { writer in
            for value in texts {
                try writer.writeRow(fields: 10) { out in
                    if let t = value.0 { out.timestamp(microseconds: PostgresText.timestamp(t)!) } else { out.null() }
                    if let f = value.1 { out.float8(f) } else { out.null() }
                    if let u = value.2 { out.uuid(PostgresText.uuid(u)!) } else { out.null() }
                    if let i = value.3 { out.int32(i) } else { out.null() }
                    if let s = value.4 { out.int16(s) } else { out.null() }
                    if let d = value.5 { out.date(days: PostgresText.date(d)!) } else { out.null() }
                    if let b = value.6 { out.bool(b) } else { out.null() }
                    if let a = value.7 { out.textArray(a) } else { out.null() }
                    if let x = value.8 { out.text(x) } else { out.null() }
                    if let j = value.9 { out.jsonb(j) } else { out.null() }
                }
            }
        }
        #expect(copied == texts.count)
        for value in texts {
            let array = value.7.map { "{" + $0.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"") + "\"" }.joined(separator: ",") + "}" }
            try connection.execute("""
                insert into text_in values ($1::timestamptz, $2::float8, $3::uuid, $4::int4, $5::int2, $6::date, $7::bool,
                                            $8::text[], $9, $10::jsonb)
                """, [value.0, value.1, value.2, value.3.map(Int.init), value.4.map(Int.init), value.5, value.6, array, value.8, value.9],
                name: "text row")
        }
        let differences = try connection.execute("""
            select count(*) as n from ((select * from binary_in except all select * from text_in)
                                       union all (select * from text_in except all select * from binary_in)) d
            """, name: "compare").first?.int("n")
        #expect(differences == 0)
        // -0.0 keeps its sign and infinity survives: binary float8 is the bit pattern.
        #expect(try connection.execute("select count(*) as n from binary_in where f = 'infinity' or f::text = '-0'",
                                       name: "floats").first?.int("n") == 2)
    }

    @Test("a binary COPY whose writer throws keeps nothing, and a wrong field width names the column")
    func failuresKeepNothing() throws {
        struct Stop: Error {}
        let connection = try TestCluster.freshConnection("bincopyfail")
        try connection.execute("create table t (id int4, small int2)", name: "create")
        #expect(throws: Stop.self) {
            try connection.copyInBinary("copy t from stdin with (format binary)", name: "aborted") { writer in
                for index in 0..<50_000 { try writer.writeRow(fields: 2) { $0.int32(Int32(index)); $0.int16(1) } }
                throw Stop()
            }
        }
        do {
            try connection.copyInBinary("copy t from stdin with (format binary)", name: "wrong width") { writer in
                try writer.writeRow(fields: 2) { $0.int32(1); $0.int32(2) }   // int4 into the int2 column
            }
            Issue.record("an int4 into an int2 column was accepted")
        } catch let WarehouseError.server(error) {
            #expect(error.sqlstate == "22P03" && error.context?.contains("small") == true, "\(error)")
        }
        #expect(try connection.execute("select count(*) as n from t", name: "count").first?.int("n") == 0)
    }
}
