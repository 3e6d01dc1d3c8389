import ArgumentParser

/// The `cxledger` command.
@main
struct CXLedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cxledger",
        abstract: "An event-sourced customer-experience ledger on LMDB.",
        subcommands: [AppendCommand.self, ReplayCommand.self, VerifyCommand.self, BackupCommand.self,
                      CasesCommand.self, CaseCommand.self, CustomerCommand.self, AtRiskCommand.self,
                      ServeCommand.self])
}
