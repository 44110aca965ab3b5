import Warehouse

/// The environment a schema set belongs to. Non-prod environments get a name suffix so that dev,
/// qa and preprod can share one database server with prod.
public enum DeploymentEnvironment: String, CaseIterable, Sendable {
    case dev, qa, preprod, prod

    /// `_dev`, `_qa`, `_preprod`, or empty for prod.
    public var suffix: String { self == .prod ? "" : "_\(rawValue)" }
}

/// Names of the schemas and roles of one environment. Base names are configurable; the suffix of
/// the environment is appended to each.
public struct SchemaLayout: Sendable, Equatable {
    public var environment: DeploymentEnvironment
    public var inputBase: String
    public var operationalBase: String
    public var biBase: String
    public var rolePrefix: String

    public init(environment: DeploymentEnvironment, inputBase: String = "gridcast_input",
                operationalBase: String = "gridcast_operational", biBase: String = "gridcast_bi",
                rolePrefix: String = "gridcast") {
        self.environment = environment
        self.inputBase = inputBase
        self.operationalBase = operationalBase
        self.biBase = biBase
        self.rolePrefix = rolePrefix
    }

    public var inputSchema: String { inputBase + environment.suffix }
    public var operationalSchema: String { operationalBase + environment.suffix }
    public var biSchema: String { biBase + environment.suffix }
    public var loaderRole: String { "\(rolePrefix)_loader\(environment.suffix)" }
    public var runnerRole: String { "\(rolePrefix)_runner\(environment.suffix)" }
    public var biReaderRole: String { "\(rolePrefix)_bi_reader\(environment.suffix)" }

    /// The placeholder map for migration and feature templates. Throws when a name is unusable
    /// (empty, or longer than PostgreSQL's 63-byte identifier limit).
    public func identifiers() throws(IdentifierError) -> [String: SQLIdentifier] {
        [
            "input_schema": try SQLIdentifier(inputSchema),
            "operational_schema": try SQLIdentifier(operationalSchema),
            "bi_schema": try SQLIdentifier(biSchema),
            "loader_role": try SQLIdentifier(loaderRole),
            "runner_role": try SQLIdentifier(runnerRole),
            "bi_reader_role": try SQLIdentifier(biReaderRole),
        ]
    }

    /// The migration history table: `operational_schema.schema_migrations`.
    public var historyTable: String {
        "\(SQLIdentifier.quote(operationalSchema)).schema_migrations"
    }

    /// Gridcast's named locks (migration 0011): `operational_schema.run_locks`, for `Connection.lockNamed`.
    public var runLocksTable: String {
        "\(SQLIdentifier.quote(operationalSchema)).run_locks"
    }
}

extension SQLIdentifier {
    /// Quotes a name already validated by `SchemaLayout.identifiers()`.
    public static func quoteValidated(_ name: String) -> String { quote(name) }
    static func quote(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
