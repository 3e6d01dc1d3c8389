import ArgumentParser

/// `cxledger-bench`: the ledger's performance scenarios.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cxledger-bench",
        abstract: "Benchmarks: append, decode, ingest, rebuild, query, verify, all.",
        subcommands: [AppendScenario.self, DecodeScenario.self, IngestScenario.self, RebuildScenario.self, QueryScenario.self, VerifyScenario.self, AllScenarios.self,
                      HTTPFloorServer.self])
}
