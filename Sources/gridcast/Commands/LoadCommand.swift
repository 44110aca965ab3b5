import ArgumentParser

/// `gridcast load sqmd | weather | holidays`: the input loaders.
struct LoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load input data into the warehouse: staged with COPY, validated in SQL, merged in one transaction.",
        subcommands: [LoadSQMDCommand.self, LoadWeatherCommand.self, LoadHolidaysCommand.self]
    )
}
