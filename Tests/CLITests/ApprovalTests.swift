import Foundation
import Testing
import TestSupport
import Warehouse

/// Approval policy per environment and promotion of a version between environments, through the CLI.
@Suite("Approval policy and promotion")
struct ApprovalTests {
    @Test("manual policy keeps a passing version a candidate until a person approves it; promote copies it to qa as champion")
    func manualApprovalAndPromotion() throws {
        let warehouse = try CLIWarehouse("approval")
        try warehouse.loadAll()
        let ops = "gridcast_operational_dev"
        try warehouse.connection.executeScript("""
            update \(ops).series_catalog set active = (series_id = 'RES-NONSOLAR');
            update \(ops).gridcast_settings set value = 'manual' where setting = 'approval_policy';
            """, name: "manual policy, one series")
        try warehouse.mustRun(["train", "--all"] + CLIWarehouse.trainArguments)
        let trained = try warehouse.connection.execute("""
            select status, status_reason from \(ops).model_registry where load_profile = 'RES' and model_version = 1
            """, name: "trained").first
        #expect(trained?.string("status") == "candidate")
        #expect(trained?.string("status_reason")?.hasPrefix("awaiting approval (approval_policy = manual)") == true,
                "\(trained?.string("status_reason") ?? "")")
        #expect(try warehouse.gridcast(["forecast", "--all", "--date", "2024-12-31"]).exitCode == 6, "forecast without a champion")

        try warehouse.mustRun(["models", "approve", "--series", "RES-NONSOLAR", "--version", "1"])
        #expect(try warehouse.string("""
            select string_agg(new_status, ',' order by event_id) as s from \(ops).model_status_history where load_profile = 'RES'
            """) == "candidate,approved")
        try warehouse.mustRun(["forecast", "--all", "--date", "2024-12-31"])

        // Promotion into qa: the same model, approved there, with where it came from.
        try warehouse.mustRun(["migrate", "--env", "qa"])
        let notInQA = try warehouse.gridcast(["models", "promote", "--series", "RES-NONSOLAR", "--version", "1", "--from-env", "dev",
                                              "--env", "qa"])
        #expect(notInQA.exitCode == 64 && notInQA.stderr.contains("\"gridcast_operational_qa\".series_catalog"), "\(notInQA.stderr)")
        try SampleSeries.register(on: warehouse.connection, operationalSchema: "gridcast_operational_qa")
        #expect(try warehouse.gridcast(["models", "promote", "--series", "RES-NONSOLAR", "--version", "7", "--from-env", "dev",
                                        "--env", "qa"]).exitCode == 64, "a missing version")
        let promoted = try warehouse.mustRun(["models", "promote", "--series", "RES-NONSOLAR", "--version", "1", "--from-env", "dev",
                                              "--env", "qa", "--json"])
        #expect(promoted.stdout.contains("\"version\":1") || promoted.stdout.contains("\"version\" : 1"), "\(promoted.stdout)")
        let copy = try warehouse.connection.execute("""
            select q.status, q.status_reason, q.metrics -> 'promoted_from' ->> 'environment' as source,
                   md5(q.model_json::text) = md5(d.model_json::text) and q.features = d.features
                   and q.metrics - 'promoted_from' = d.metrics as same_model
            from gridcast_operational_qa.model_registry q
            join \(ops).model_registry d on d.load_profile = q.load_profile and d.load_segment = q.load_segment and d.model_version = 1
            where q.load_profile = 'RES' and q.load_segment = 'NONSOLAR' and q.model_version = 1
            """, name: "promoted").first
        #expect(copy?.string("status") == "approved" && copy?.string("source") == "dev" && copy?.bool("same_model") == true)
        #expect(copy?.string("status_reason") == "promoted from dev version 1")
        #expect(try warehouse.string("""
            select string_agg(new_status, ',' order by event_id) as s from gridcast_operational_qa.model_status_history
            """) == "candidate,approved")
    }
}
